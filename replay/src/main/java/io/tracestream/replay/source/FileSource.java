package io.tracestream.replay.source;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Span files, directories of them (every regular, non-hidden file below, in path order) and stdin
 * ({@code -}), each gzipped or not (found by its magic bytes, whatever its name) and of any
 * {@link InputFormat} (detected per file unless one is forced). Everything is streamed. Progress is
 * counted in bytes read from disk (compressed bytes for a gzipped file), against the files' sizes.
 */
public final class FileSource {
  /** The default of {@code replay.max.message.bytes}, 16 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 << 20;
  private final List<Path> files;
  private final boolean stdin;
  private final InputStream stdinStream;
  private final InputFormat forced;
  private final int maxMessageBytes;
  private final long totalBytes;
  private final AtomicLong bytesRead = new AtomicLong();

  /**
   * @param inputs paths of files or directories, or {@code -} for stdin
   * @param forced the format of every input, or null to detect each
   * @throws IllegalArgumentException naming an input that does not exist or is not readable
   */
  public FileSource(List<String> inputs, InputFormat forced, InputStream stdinStream) {
    this(inputs, forced, stdinStream, DEFAULT_MAX_MESSAGE_BYTES);
  }

  /**
   * @param maxMessageBytes {@code replay.max.message.bytes}: the largest message or line held; larger ones
   *     are skipped
   */
  public FileSource(List<String> inputs, InputFormat forced, InputStream stdinStream, int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no input: name files, directories or - for stdin");
    }
    this.forced = forced;
    this.stdinStream = stdinStream;
    List<Path> found = new ArrayList<>();
    boolean readsStdin = false;
    for (String input : inputs) {
      if (input.equals("-")) {
        readsStdin = true;
        continue;
      }
      Path path = Path.of(input);
      if (Files.isDirectory(path)) {
        try (Stream<Path> walk = Files.walk(path)) {
          walk.filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted(Comparator.comparing(Path::toString))
              .forEach(found::add);
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot list directory " + path + ": " + e.getMessage(), e);
        }
      } else if (Files.isRegularFile(path) && Files.isReadable(path)) {
        found.add(path);
      } else {
        throw new IllegalArgumentException("input " + input + " is not a readable file or directory");
      }
    }
    this.files = List.copyOf(found);
    this.stdin = readsStdin;
    long total = 0;
    for (Path file : files) {
      try {
        total += Files.size(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    this.totalBytes = readsStdin ? -1 : total;
  }

  /** The files found, in the order they are read (stdin, if named, comes last). */
  public List<Path> files() {
    return files;
  }

  /** Bytes of all files, or -1 when stdin is read (its size is not known). */
  public long totalBytes() {
    return totalBytes;
  }

  public long bytesRead() {
    return bytesRead.get();
  }

  /** Reads every input into {@code sink}. A file that cannot be opened or read is reported to it and skipped. */
  public void readAll(SpanSink sink) {
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        read(in, file.toString(), sink);
      } catch (IOException e) {
        sink.bad(file.toString(), "cannot read: " + e.getMessage());
      }
    }
    if (stdin) {
      try {
        read(stdinStream, "-", sink);
      } catch (IOException e) {
        sink.bad("-", "cannot read stdin: " + e.getMessage());
      }
    }
  }

  private void read(InputStream raw, String name, SpanSink sink) throws IOException {
    BufferedInputStream in = new BufferedInputStream(new Counting(raw), 1 << 16);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    InputFormat format = forced != null ? forced : InputFormat.detect(in);
    format.reader(maxMessageBytes).read(in, name, sink);
  }

  private final class Counting extends FilterInputStream {
    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        bytesRead.incrementAndGet();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        bytesRead.addAndGet(n);
      }
      return n;
    }
  }
}
