package io.tracestream.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.ProcessorWrapper;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.WrappedFixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.WrappedProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * CPU time of the stream threads per processor of the topology, for the benchmarks' per-stage table: a
 * Kafka Streams {@link ProcessorWrapper} (KIP-1112, {@code processor.wrapper.class}) that measures each
 * {@code process} call and each punctuation on the thread's CPU clock, exclusive of the processors it
 * forwards to (those measure themselves); a send to a sink topic counts for the processor that forwards
 * to it. What the stream threads spend outside every processor (polls, commits, restoration) is their
 * CPU time less the sum. Streams instantiates the wrapper by class name, so the figures are static.
 */
public final class StageCpu implements ProcessorWrapper {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final Map<String, LongAdder> NANOS = new ConcurrentHashMap<>();
  /** CPU nanoseconds spent, on this thread, in processors nested in the one being measured. */
  private static final ThreadLocal<long[]> NESTED = ThreadLocal.withInitial(() -> new long[1]);

  /** The stages of the per-stage table, in the order of the topology. */
  static final List<String> STAGES = List.of("decode", "span windows", "trace assembly", "trace windows",
      "edge windows");
  private static final Map<String, String> STAGE_OF = Map.ofEntries(
      Map.entry("span-decoder", "decode"), Map.entry("poison-bytes", "decode"), Map.entry("samples", "decode"),
      Map.entry("traces-to-rekey", "decode"), Map.entry("traces-in-place", "decode"),
      Map.entry("span-preaggregation", "span windows"), Map.entry("span-windows", "span windows"),
      Map.entry("traces-to-rekey-progress", "trace assembly"), Map.entry("traces-by-id", "trace assembly"),
      Map.entry("trace-assembly", "trace assembly"), Map.entry("completed-traces", "trace assembly"),
      Map.entry("trace-summaries", "trace assembly"), Map.entry("trace-query-index", "trace assembly"),
      Map.entry("trace-preaggregation", "trace windows"), Map.entry("trace-windows", "trace windows"),
      Map.entry("edge-preaggregation", "edge windows"), Map.entry("edge-windows", "edge windows"),
      Map.entry("edge-query-index", "edge windows"),
      // the filters Streams puts after a repartition topic's source
      Map.entry("span-partials-by-service-repartition-filter", "span windows"),
      Map.entry("spans-by-trace-repartition-filter", "trace assembly"),
      Map.entry("trace-partials-by-root-service-repartition-filter", "trace windows"),
      Map.entry("edge-partials-by-client-repartition-filter", "edge windows"));

  /** The stage a processor of StreamTopology belongs to (by the name it is given there), else its own name. */
  static String stage(String processor) {
    if (processor.startsWith("decoded-")) {
      return "decode";
    }
    if (processor.startsWith("assembled-")) {
      return "trace assembly";
    }
    return STAGE_OF.getOrDefault(processor, processor);
  }

  /** CPU nanoseconds per processor name so far. */
  public static Map<String, Long> snapshot() {
    Map<String, Long> copy = new TreeMap<>();
    NANOS.forEach((name, nanos) -> copy.put(name, nanos.sum()));
    return copy;
  }

  @Override
  public <KIn, VIn, KOut, VOut> WrappedProcessorSupplier<KIn, VIn, KOut, VOut> wrapProcessorSupplier(
      String name, ProcessorSupplier<KIn, VIn, KOut, VOut> supplier) {
    LongAdder nanos = NANOS.computeIfAbsent(name, n -> new LongAdder());
    return new WrappedProcessorSupplier<>() {
      @Override
      public Processor<KIn, VIn, KOut, VOut> get() {
        Processor<KIn, VIn, KOut, VOut> processor = supplier.get();
        return new Processor<>() {
          @Override
          @SuppressWarnings("unchecked")
          public void init(ProcessorContext<KOut, VOut> context) {
            processor.init(timedPunctuations(ProcessorContext.class, context, nanos));
          }

          @Override
          public void process(Record<KIn, VIn> record) {
            timed(nanos, () -> processor.process(record));
          }

          @Override
          public void close() {
            processor.close();
          }
        };
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return supplier.stores();
      }
    };
  }

  @Override
  public <KIn, VIn, VOut> WrappedFixedKeyProcessorSupplier<KIn, VIn, VOut> wrapFixedKeyProcessorSupplier(
      String name, FixedKeyProcessorSupplier<KIn, VIn, VOut> supplier) {
    LongAdder nanos = NANOS.computeIfAbsent(name, n -> new LongAdder());
    return new WrappedFixedKeyProcessorSupplier<>() {
      @Override
      public FixedKeyProcessor<KIn, VIn, VOut> get() {
        FixedKeyProcessor<KIn, VIn, VOut> processor = supplier.get();
        return new FixedKeyProcessor<>() {
          @Override
          @SuppressWarnings("unchecked")
          public void init(FixedKeyProcessorContext<KIn, VOut> context) {
            processor.init(timedPunctuations(FixedKeyProcessorContext.class, context, nanos));
          }

          @Override
          public void process(FixedKeyRecord<KIn, VIn> record) {
            timed(nanos, () -> processor.process(record));
          }

          @Override
          public void close() {
            processor.close();
          }
        };
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return supplier.stores();
      }
    };
  }

  /** The context, whose {@code schedule} measures the punctuations it is given like {@code process}. */
  @SuppressWarnings("rawtypes")
  private static <C> C timedPunctuations(Class<C> type, C context, LongAdder nanos) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getName().equals("schedule") && args != null && args[args.length - 1] instanceof Punctuator p) {
        args[args.length - 1] = (Punctuator) timestamp -> timed(nanos, () -> p.punctuate(timestamp));
      }
      try {
        return method.invoke(context, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class[] {type}, handler));
  }

  private static void timed(LongAdder nanos, Runnable body) {
    long[] nested = NESTED.get();
    long outer = nested[0];
    nested[0] = 0;
    long start = THREADS.getCurrentThreadCpuTime();
    try {
      body.run();
    } finally {
      long elapsed = THREADS.getCurrentThreadCpuTime() - start;
      nanos.add(elapsed - nested[0]);
      nested[0] = outer + elapsed;
    }
  }
}
