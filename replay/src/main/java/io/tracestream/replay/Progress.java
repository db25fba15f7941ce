package io.tracestream.replay;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows how a replay goes while it runs: a progress bar on a terminal (me.tongfei:progressbar:
 * percent and ETA of the input read, spans and spans/s), plain lines every {@code interval}
 * otherwise (a log file, CI), or nothing.
 */
public final class Progress implements AutoCloseable {
  /** {@code auto} is {@code bar} on a terminal and {@code plain} elsewhere. */
  public enum Mode { AUTO, BAR, PLAIN, NONE }

  private final ScheduledExecutorService timer;
  private final ProgressBar bar;
  private final Runnable update;

  private Progress(ScheduledExecutorService timer, ProgressBar bar, Runnable update) {
    this.timer = timer;
    this.bar = bar;
    this.update = update;
  }

  public static Progress start(Mode mode, ProgressSource source, ReplayStats stats, PrintStream err, Duration interval) {
    Mode chosen = mode == Mode.AUTO ? (System.console() != null ? Mode.BAR : Mode.PLAIN) : mode;
    if (chosen == Mode.NONE) {
      return new Progress(null, null, () -> { });
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "replay-progress");
      t.setDaemon(true);
      return t;
    });
    long startNanos = System.nanoTime();
    LongSupplier elapsed = () -> System.nanoTime() - startNanos;
    if (chosen == Mode.PLAIN) {
      timer.scheduleAtFixedRate(() -> err.println(line(stats.spansRead(), stats.spansSent(), elapsed.getAsLong(),
          source.done(), source.total())), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
      return new Progress(timer, null, () -> { });
    }
    ProgressBarBuilder builder = new ProgressBarBuilder()
        .setTaskName("replay")
        .setInitialMax(source.total())
        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
        .setConsumer(new ConsoleProgressBarConsumer(err))
        .setUpdateIntervalMillis(500);
    if (source.countsBytes()) {
      builder.setUnit(" MiB", 1 << 20);
    } else {
      builder.setUnit(" records", 1);
    }
    ProgressBar bar = builder.build();
    Runnable update = () -> {
      bar.stepTo(source.done());
      bar.setExtraMessage(String.format(Locale.ROOT, " %,d spans, %,.0f spans/s", stats.spansRead(),
          rate(stats.spansRead(), elapsed.getAsLong())));
    };
    timer.scheduleAtFixedRate(update, 0, 250, TimeUnit.MILLISECONDS);
    return new Progress(timer, bar, update);
  }

  /**
   * One plain progress line: {@code replay: 12,345 spans read, 12,000 sent, 1,234 spans/s, 45 %, ETA 1m23s};
   * without percent and ETA when the total is not known.
   */
  static String line(long spansRead, long spansSent, long elapsedNanos, long done, long total) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "replay: %,d spans read, %,d sent, %,.0f spans/s",
        spansRead, spansSent, rate(spansRead, elapsedNanos)));
    if (total > 0) {
      double fraction = Math.min(1, (double) done / total);
      out.append(String.format(Locale.ROOT, ", %.0f %%", fraction * 100));
      if (fraction > 0) {
        long etaSeconds = Math.round(elapsedNanos / 1e9 * (1 - fraction) / fraction);
        out.append(", ETA ").append(duration(etaSeconds));
      }
    }
    return out.toString();
  }

  private static double rate(long spans, long elapsedNanos) {
    return elapsedNanos <= 0 ? 0 : spans / (elapsedNanos / 1e9);
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m" + String.format(Locale.ROOT, "%02d", seconds % 60) + "s";
    }
    return seconds / 3600 + "h" + String.format(Locale.ROOT, "%02d", seconds % 3600 / 60) + "m";
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
    if (bar != null) {
      update.run(); // the bar ends at what was read, not at the last tick
      bar.close();
    }
  }
}
