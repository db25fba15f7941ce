package io.tracestream.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI for TLS tests, made with the JDK's {@code keytool} at test time (nothing checked in):
 * a CA, a server certificate for 127.0.0.1/localhost and a client certificate, both signed by the CA, and
 * a self-signed client certificate that must be refused. PEM files (PKCS#8 keys) and
 * PKCS12 stores (password {@link #PASSWORD}) for Kafka.
 */
public final class TestCertificates {
  public static final String PASSWORD = "changeit";

  private final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  private static TestCertificates shared;

  /**
   * One set per JVM, in a temporary directory removed at exit: keytool runs take seconds, and the
   * certificates carry no state between tests.
   */
  public static synchronized TestCertificates shared() throws Exception {
    if (shared == null) {
      Path dir = Files.createTempDirectory("tracestream-certs");
      shared = create(dir);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try (var files = Files.list(dir)) {
          files.forEach(f -> f.toFile().delete());
        } catch (IOException e) {
          // best effort
        }
        dir.toFile().delete();
      }));
    }
    return shared;
  }

  /** Creates every file in {@code dir}; takes a few seconds (several keytool runs). */
  public static TestCertificates create(Path dir) throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    certs.ca("ca");
    certs.signed("server", "ca", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost", "EKU=serverAuth,clientAuth");
    certs.signed("client", "ca", "CN=test-client", null, "EKU=clientAuth");
    certs.selfSigned("rogue", "CN=rogue-client");
    return certs;
  }

  public Path caPem() { return dir.resolve("ca.pem"); }
  public Path serverCertPem() { return dir.resolve("server.pem"); }
  public Path serverKeyPem() { return dir.resolve("server.key"); }
  public Path clientCertPem() { return dir.resolve("client.pem"); }
  public Path clientKeyPem() { return dir.resolve("client.key"); }
  public Path rogueCertPem() { return dir.resolve("rogue.pem"); }
  public Path rogueKeyPem() { return dir.resolve("rogue.key"); }
  /**
   * An RSA server certificate for 127.0.0.1/localhost signed by the CA, made on first call (the others are EC):
   * cipher suites with RSA key exchange need an RSA key, so only it can show that they are refused.
   */
  public synchronized Path rsaServerCertPem() throws Exception {
    if (!Files.exists(dir.resolve("server-rsa.pem"))) {
      signed("server-rsa", "ca", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost", "EKU=serverAuth", "RSA");
    }
    return dir.resolve("server-rsa.pem");
  }
  /** The key of {@link #rsaServerCertPem()}, which must be called first. */
  public Path rsaServerKeyPem() { return dir.resolve("server-rsa.key"); }
  /** PKCS12 with the server key and its chain (Kafka broker keystore). */
  public Path serverKeystore() { return dir.resolve("server-chain.p12"); }
  /** PKCS12 with the CA certificate only (truststore). */
  public Path truststore() { return dir.resolve("truststore.p12"); }

  private void ca(String name) throws Exception {
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-ext", "bc:c", "-validity", "2", "-keystore", store(name), "-storepass", PASSWORD, "-storetype", "PKCS12");
    keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store(name), "-storepass", PASSWORD,
        "-file", dir.resolve(name + ".pem").toString());
  }

  private void selfSigned(String name, String dname) throws Exception {
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
        "-validity", "2", "-keystore", store(name), "-storepass", PASSWORD, "-storetype", "PKCS12");
    keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store(name), "-storepass", PASSWORD,
        "-file", dir.resolve(name + ".pem").toString());
    writeKey(name);
  }

  private Key writeKey(String name) throws Exception {
    KeyStore own = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(Path.of(store(name)))) {
      own.load(in, PASSWORD.toCharArray());
    }
    Key key = own.getKey(name, PASSWORD.toCharArray());
    Files.writeString(dir.resolve(name + ".key"), "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
    return key;
  }

  private void signed(String name, String ca, String dname, String san, String eku) throws Exception {
    signed(name, ca, dname, san, eku, "EC");
  }

  private void signed(String name, String ca, String dname, String san, String eku, String keyAlg) throws Exception {
    keytool("-genkeypair", "-alias", name, "-keyalg", keyAlg, "EC".equals(keyAlg) ? "-groupname" : "-keysize",
        "EC".equals(keyAlg) ? "secp256r1" : "2048", "-dname", dname, "-validity", "2", "-keystore", store(name),
        "-storepass", PASSWORD, "-storetype", "PKCS12");
    Path csr = dir.resolve(name + ".csr");
    keytool("-certreq", "-alias", name, "-keystore", store(name), "-storepass", PASSWORD, "-file", csr.toString());
    List<String> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", ca, "-keystore", store(ca),
        "-storepass", PASSWORD, "-validity", "2", "-infile", csr.toString(), "-outfile", dir.resolve(name + ".pem").toString(),
        "-ext", eku));
    if (san != null) {
      gencert.addAll(List.of("-ext", san));
    }
    keytool(gencert.toArray(new String[0]));

    Key key = writeKey(name);

    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    Certificate leaf;
    Certificate caCert;
    try (InputStream in = Files.newInputStream(dir.resolve(name + ".pem"))) {
      leaf = x509.generateCertificate(in);
    }
    try (InputStream in = Files.newInputStream(dir.resolve(ca + ".pem"))) {
      caCert = x509.generateCertificate(in);
    }
    KeyStore chain = KeyStore.getInstance("PKCS12");
    chain.load(null, null);
    chain.setKeyEntry(name, key, PASSWORD.toCharArray(), new Certificate[] {leaf, caCert});
    try (OutputStream out = Files.newOutputStream(dir.resolve(name + "-chain.p12"))) {
      chain.store(out, PASSWORD.toCharArray());
    }
    if (ca.equals("ca") && !Files.exists(truststore())) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", caCert);
      try (OutputStream out = Files.newOutputStream(truststore())) {
        trust.store(out, PASSWORD.toCharArray());
      }
    }
  }

  private String store(String name) {
    return dir.resolve(name + ".p12").toString();
  }

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC")); // a short-lived JVM
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed: " + new String(output, StandardCharsets.UTF_8));
    }
  }
}
