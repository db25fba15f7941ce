package io.tracestream.tls;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.tracestream.config.ConfigException;
import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS of one server port, from the keys {@code <prefix>.tls.cert}, {@code <prefix>.tls.key} and
 * {@code <prefix>.tls.client.ca} (PEM files). Read and checked at start: an unreadable file, a key that
 * is not the certificate's, or only one of cert and key fails with a {@link ConfigException} naming the key.
 *
 * @param clientCa the CAs a client certificate must chain to; present means mTLS (a client without a
 *     valid certificate is refused during the handshake)
 */
public record TlsConfig(String prefix, List<X509Certificate> chain, PrivateKey key,
    Optional<List<X509Certificate>> clientCa) {

  public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /**
   * The cipher suites the https ports offer: TLS 1.3's, and for TLS 1.2 only ephemeral ECDHE key exchange
   * (forward secrecy) with an AEAD cipher. No static-RSA key exchange ({@code TLS_RSA_*}: no forward
   * secrecy, ROBOT-style oracles) and no CBC (Lucky13, POODLE-style padding oracles): the JDK 17 default
   * list still enables both. The same choice as Mozilla's "intermediate" profile without DHE.
   */
  public static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** The three documented keys of {@code prefix}, for a part's KEYS list. */
  public static List<ConfigKey> keys(String prefix, String what) {
    return List.of(
        new ConfigKey(prefix + ".tls.cert", null, "PEM certificate chain of " + what + "; with " + prefix
            + ".tls.key it turns on TLS (https / TLS gRPC)"),
        new ConfigKey(prefix + ".tls.key", null, "PEM PKCS#8 private key (BEGIN PRIVATE KEY, unencrypted) of "
            + prefix + ".tls.cert"),
        new ConfigKey(prefix + ".tls.client.ca", null, "PEM CA certificates; when set, " + what
            + " requires a client certificate signed by one of them (mTLS)"));
  }

  /** The TLS settings of {@code prefix}, or empty when neither cert nor key is set (plaintext). */
  public static Optional<TlsConfig> from(Settings settings, String prefix) {
    String certKey = prefix + ".tls.cert";
    String keyKey = prefix + ".tls.key";
    String caKey = prefix + ".tls.client.ca";
    Optional<String> cert = settings.optional(certKey);
    Optional<String> key = settings.optional(keyKey);
    Optional<String> ca = settings.optional(caKey);
    if (cert.isEmpty() && key.isEmpty()) {
      if (ca.isPresent()) {
        throw new ConfigException(caKey, "mTLS needs TLS: set " + certKey + " and " + keyKey + " too");
      }
      return Optional.empty();
    }
    if (cert.isEmpty()) {
      throw new ConfigException(certKey, "must be set together with " + keyKey);
    }
    if (key.isEmpty()) {
      throw new ConfigException(keyKey, "must be set together with " + certKey);
    }
    List<X509Certificate> chain = Pem.certificates(certKey, Path.of(cert.get()));
    PrivateKey privateKey = Pem.privateKey(keyKey, Path.of(key.get()));
    Pem.requireMatch(keyKey, privateKey, chain.get(0));
    Optional<List<X509Certificate>> clientCa = ca.map(c -> Pem.certificates(caKey, Path.of(c)));
    return Optional.of(new TlsConfig(prefix, List.copyOf(chain), privateKey, clientCa));
  }

  public boolean mutual() {
    return clientCa.isPresent();
  }

  public KeyManagerFactory keyManagers() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry("key", key, password, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(store, password);
      return factory;
    } catch (java.io.IOException | java.security.GeneralSecurityException e) {
      throw new ConfigException(prefix + ".tls.key", "cannot use the key: " + e.getMessage());
    }
  }

  /** Trust for client certificates, or null when client certificates are not asked for. */
  public TrustManagerFactory clientTrust() {
    return clientCa.map(Pem::trust).orElse(null);
  }

  /** A server-side context: this key and chain, and the client CAs when mTLS is on. */
  public SSLContext serverContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      TrustManagerFactory trust = clientTrust();
      context.init(keyManagers().getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("TLS is not available in this JVM", e);
    }
  }

  /**
   * Configures a JDK {@code HttpsServer}: TLS 1.2+ only, {@link #CIPHER_SUITES} only, client certificate
   * required when mTLS is on.
   */
  public HttpsConfigurator httpsConfigurator() {
    SSLContext context = serverContext();
    boolean need = mutual();
    String[] suites = cipherSuites(context);
    return new HttpsConfigurator(context) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters ssl = context.getDefaultSSLParameters();
        ssl.setProtocols(PROTOCOLS);
        ssl.setCipherSuites(suites);
        ssl.setUseCipherSuitesOrder(true);
        ssl.setNeedClientAuth(need);
        params.setSSLParameters(ssl);
      }
    };
  }

  /** {@link #CIPHER_SUITES} that {@code context} supports, in that order (a JVM may lack ChaCha20). */
  static String[] cipherSuites(SSLContext context) {
    List<String> supported = List.of(context.getSupportedSSLParameters().getCipherSuites());
    String[] suites = CIPHER_SUITES.stream().filter(supported::contains).toArray(String[]::new);
    if (suites.length == 0) {
      throw new IllegalStateException("this JVM supports none of the cipher suites " + CIPHER_SUITES);
    }
    return suites;
  }

  /**
   * A client context that presents this chain (for mTLS peers) and trusts {@code trusted}: how one
   * instance calls another's port of the same kind.
   */
  public SSLContext clientContext(List<X509Certificate> trusted) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers().getKeyManagers(), Pem.trust(trusted).getTrustManagers(), null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("TLS is not available in this JVM", e);
    }
  }

  @Override
  public String toString() { // never the key
    return "TlsConfig[" + prefix + ", subject=" + chain.get(0).getSubjectX500Principal() + ", mTLS=" + mutual() + "]";
  }
}
