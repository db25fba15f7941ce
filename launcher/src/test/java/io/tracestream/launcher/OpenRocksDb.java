package io.tracestream.launcher;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** Opens a RocksDB database in the directory given: {@link ShadedJarIT} runs it against the shaded jar alone. */
final class OpenRocksDb {
  private OpenRocksDb() {}

  public static void main(String[] args) throws Exception {
    RocksDB.loadLibrary();
    try (Options options = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(options, args[0])) {
      db.put(new byte[] {1}, new byte[] {2});
      System.out.println("opened " + args[0]);
    }
  }
}
