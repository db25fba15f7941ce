package io.tracestream.topology;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A key-value state store whose entries live on the heap as objects, for state that changes with every
 * span: an update is a map operation, with no serialization and no RocksDB call. Before every commit
 * the entries changed since the last one are written, once each, to a changelogged RocksDB store under
 * it, in the same transaction as the commit's output and offsets; a restarted or migrated task
 * restores that store from its changelog and {@link #reload()} reads it back. So under exactly-once
 * the heap state is as durable as a plain store's.
 *
 * <p>The hook before the commit is Kafka Streams' record cache's: {@link CachedStateStore#flushCache()}
 * (an internal interface, stable in the pinned Kafka version), which the task calls on every commit
 * (periodic, on revocation and on close) before the producer flushes and the transaction commits. The
 * fault test {@code TopologyKillFaultIT} checks the whole contract on a real broker; upgrading Kafka
 * needs it to pass.
 *
 * <p>Interactive queries read the store beneath: the entries as of the last commit.
 *
 * <p>Everything is on the heap, so this is for small state: bounded by whoever uses it.
 */
final class HeapStore<K, V>
    implements StateStore, CachedStateStore<Bytes, byte[]>, ReadOnlyKeyValueStore<Bytes, byte[]> {
  /** How keys and values are written to the store beneath. */
  interface Codec<T> {
    byte[] write(T value);

    T read(byte[] bytes);
  }

  private final KeyValueStore<Bytes, byte[]> changelogged;
  private final Codec<K> keys;
  private final Codec<V> values;
  /** Every key on the heap; a deleted key keeps its slot, with no value, until the next commit writes it. */
  private final Map<K, Slot<V>> entries = new HashMap<>();
  /** The keys changed since the last commit, each once. */
  private final List<K> dirty = new ArrayList<>();
  private int size;
  private Runnable beforeFlush = () -> { };

  private HeapStore(KeyValueStore<Bytes, byte[]> changelogged, Codec<K> keys, Codec<V> values) {
    this.changelogged = changelogged;
    this.keys = keys;
    this.values = values;
  }

  /** A builder of this store over a changelogged RocksDB store of the same name. */
  static <K, V> StoreBuilder<HeapStore<K, V>> builder(String name, Codec<K> keys, Codec<V> values) {
    return new Builder<>(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(),
        Serdes.ByteArray()).withCachingDisabled(), keys, values);
  }

  /** Replaces the heap entries with what the store beneath holds: call when the processor starts. */
  void reload() {
    clear();
    try (KeyValueIterator<Bytes, byte[]> it = changelogged.all()) {
      it.forEachRemaining(entry -> entries.put(keys.read(entry.key.get()), new Slot<>(values.read(entry.value))));
    }
    size = entries.size();
  }

  V value(K key) {
    Slot<V> slot = entries.get(key);
    return slot == null ? null : slot.value;
  }

  /**
   * The value of {@code key}, to be changed in place: it is written at the next commit as it is then. Null,
   * and nothing marked, when there is none. One map lookup, where {@link #value} and {@link #put} take two.
   */
  V change(K key) {
    Slot<V> slot = entries.get(key);
    if (slot == null || slot.value == null) {
      return null;
    }
    mark(key, slot);
    return slot.value;
  }

  /**
   * Runs {@code write} at the start of every {@link #flushCache()}: for a processor's own state kept between
   * commits (such as its event time), written to another store in the same transaction.
   */
  void beforeFlush(Runnable write) {
    this.beforeFlush = write;
  }

  /** Stores {@code value}; also call it after changing a value obtained from {@link #value}, so it is written. */
  void put(K key, V value) {
    Slot<V> slot = entries.computeIfAbsent(key, k -> new Slot<>(null));
    if (slot.value == null) {
      size++;
    }
    slot.value = value;
    mark(key, slot);
  }

  void delete(K key) {
    Slot<V> slot = entries.computeIfAbsent(key, k -> new Slot<>(null));
    if (slot.value != null) {
      size--;
      slot.value = null;
    }
    mark(key, slot);
  }

  private void mark(K key, Slot<V> slot) {
    if (!slot.dirty) {
      slot.dirty = true;
      dirty.add(key);
    }
  }

  int size() {
    return size;
  }

  /** A copy of the entries, to iterate while deleting. */
  List<Map.Entry<K, V>> entries() {
    List<Map.Entry<K, V>> copy = new ArrayList<>(size);
    entries.forEach((key, slot) -> {
      if (slot.value != null) {
        copy.add(new AbstractMap.SimpleImmutableEntry<>(key, slot.value));
      }
    });
    return copy;
  }

  /** Writes the entries changed since the last commit to the changelogged store; the task calls it before a commit. */
  @Override
  public void flushCache() {
    beforeFlush.run();
    for (K key : dirty) {
      Slot<V> slot = entries.get(key);
      slot.dirty = false;
      Bytes bytes = Bytes.wrap(keys.write(key));
      if (slot.value == null) {
        changelogged.delete(bytes);
        entries.remove(key);
      } else {
        changelogged.put(bytes, values.write(slot.value));
      }
    }
    dirty.clear();
  }

  /** The task is being closed without a commit: what was not written is discarded, as a record cache discards it. */
  @Override
  public void clearCache() {
    clear();
  }

  private void clear() {
    entries.clear();
    dirty.clear();
    size = 0;
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
    return false;
  }

  @Override
  public byte[] get(Bytes key) {
    return changelogged.get(key);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    return changelogged.range(from, to);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    return changelogged.all();
  }

  @Override
  public long approximateNumEntries() {
    return changelogged.approximateNumEntries();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    changelogged.init(context, root);
  }

  @Override
  public String name() {
    return changelogged.name();
  }

  @Override
  @SuppressWarnings("deprecation")
  public void flush() {
    changelogged.flush();
  }

  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    changelogged.commit(changelogOffsets);
  }

  @Override
  public Long committedOffset(TopicPartition partition) {
    return changelogged.committedOffset(partition);
  }

  @Override
  public boolean managesOffsets() {
    return changelogged.managesOffsets();
  }

  @Override
  public void close() {
    clear();
    changelogged.close();
  }

  @Override
  public boolean persistent() {
    return changelogged.persistent();
  }

  @Override
  public boolean isOpen() {
    return changelogged.isOpen();
  }

  @Override
  public org.apache.kafka.streams.query.Position getPosition() {
    return changelogged.getPosition();
  }

  /** A key's value on the heap (null once deleted, until the commit) and whether the next commit writes it. */
  private static final class Slot<V> {
    V value;
    boolean dirty;

    Slot(V value) {
      this.value = value;
    }
  }

  private record Builder<K, V>(StoreBuilder<KeyValueStore<Bytes, byte[]>> inner, Codec<K> keys, Codec<V> values)
      implements StoreBuilder<HeapStore<K, V>> {
    @Override
    public StoreBuilder<HeapStore<K, V>> withCachingEnabled() {
      throw new UnsupportedOperationException("a HeapStore is its own cache");
    }

    @Override
    public StoreBuilder<HeapStore<K, V>> withCachingDisabled() {
      return this;
    }

    @Override
    public StoreBuilder<HeapStore<K, V>> withLoggingEnabled(Map<String, String> config) {
      return new Builder<>(inner.withLoggingEnabled(config), keys, values);
    }

    @Override
    public StoreBuilder<HeapStore<K, V>> withLoggingDisabled() {
      throw new UnsupportedOperationException("a HeapStore's changelog is what makes it durable");
    }

    @Override
    public HeapStore<K, V> build() {
      return new HeapStore<>(inner.build(), keys, values);
    }

    @Override
    public Map<String, String> logConfig() {
      return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
      return inner.loggingEnabled();
    }

    @Override
    public String name() {
      return inner.name();
    }
  }
}
