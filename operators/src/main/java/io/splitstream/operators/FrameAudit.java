package io.splitstream.operators;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * An end-of-run audit that can fail: it records, by stream and sequence number, every item offered
 * (at the door, before admission) and every settlement (completed at the sink, shed at admission
 * or at a stage, failed, abandoned on cancel), and {@link #result()} says whether every offered
 * item was settled exactly once. Unlike {@link LedgerSnapshot#balanced()}, which holds by
 * construction, the audit checks identities: a lost item, an item settled twice and a settlement
 * of an item never offered each fail it, naming the items.
 *
 * <p><b>Order.</b> Offer and settlement of one item may be recorded in either order (they may come
 * from different threads); the verdict is taken when {@link #result()} is called, so call it at
 * the end of a run: before then, items in flight count as missing. Order of settlements is not
 * audited; the pipeline checks order on its own.
 *
 * <p><b>Memory.</b> Per stream, offered and settled items are kept as bits in chunks of {@value
 * #CHUNK_SIZE} consecutive sequence numbers, and a chunk whose items were all offered and settled
 * once shrinks to a shared marker. Dense sequence numbers (a stream counting from 0) therefore cost
 * a few bytes per {@value #CHUNK_SIZE} settled items plus about 1 KB per chunk still open; an hour
 * at 1000 frames/s (3.6 M items) stays well under 1 MB even with every item in flight. Sparse
 * sequence numbers cost up to about 1 KB each. {@link #footprintBytes()} estimates the total.
 *
 * <p><b>Threads.</b> Thread-safe: any thread may offer, settle or ask for the result; each stream
 * has its own lock, held for a few bit operations.
 *
 * <p><b>Errors.</b> A blank stream name or outcome throws {@link IllegalArgumentException}; the
 * audit records what it is told and never throws for a wrong count (that is what it reports).
 */
public final class FrameAudit {
  /** Sequence numbers per chunk of bits. */
  public static final int CHUNK_SIZE = 4096;

  private static final int WORDS = CHUNK_SIZE / Long.SIZE;
  private static final int MAX_EXAMPLES = 10;
  /** Distinct outcome names counted on their own; more fall under {@link #OTHER_OUTCOMES}. */
  private static final int MAX_OUTCOMES = 64;
  private static final String OTHER_OUTCOMES = "other";

  private final ConcurrentHashMap<String, StreamBook> streams = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> outcomes = new ConcurrentHashMap<>();

  /** Records that item {@code seq} of {@code stream} was offered, before admission. */
  public void offered(String stream, long seq) {
    book(stream).offered(seq);
  }

  /**
   * Records that item {@code seq} of {@code stream} left the pipeline as {@code outcome}, e.g.
   * {@code completed}, {@code shed:drop-oldest}, {@code failed:IOException}.
   */
  public void settled(String stream, long seq, String outcome) {
    String o = requireName(outcome, "outcome");
    book(stream).settled(seq, o);
    countOutcome(o);
  }

  /** The verdict over everything recorded so far (see the class comment on when to call it). */
  public Result result() {
    long offered = 0;
    long settled = 0;
    long duplicates = 0;
    long offeredTwice = 0;
    long[] missing = {0};
    long[] unexpected = {0};
    List<String> missingEx = new ArrayList<>();
    List<String> unexpectedEx = new ArrayList<>();
    List<String> duplicateEx = new ArrayList<>();
    List<String> offeredTwiceEx = new ArrayList<>();
    for (Map.Entry<String, StreamBook> e : new TreeMap<>(streams).entrySet()) {
      StreamBook b = e.getValue();
      synchronized (b) {
        offered += b.offeredCount;
        settled += b.settleCalls;
        duplicates += b.duplicates;
        offeredTwice += b.offeredTwice;
        addExamples(duplicateEx, b.duplicateExamples);
        addExamples(offeredTwiceEx, b.offeredTwiceExamples);
        b.scan(missing, missingEx, unexpected, unexpectedEx);
      }
    }
    Map<String, Long> byOutcome = new TreeMap<>();
    outcomes.forEach((k, v) -> byOutcome.put(k, v.sum()));
    return new Result(offered, settled, missing[0], duplicates, unexpected[0], offeredTwice, byOutcome,
        interleave(List.of(missingEx, duplicateEx, unexpectedEx, offeredTwiceEx)));
  }

  /** A rough estimate of the bytes this audit holds (object headers and references included). */
  public long footprintBytes() {
    long bytes = 64;
    for (StreamBook b : streams.values()) {
      synchronized (b) {
        bytes += b.footprintBytes();
      }
    }
    return bytes + outcomes.size() * 96L;
  }

  private StreamBook book(String stream) {
    return streams.computeIfAbsent(requireName(stream, "stream"), StreamBook::new);
  }

  private void countOutcome(String outcome) {
    LongAdder n = outcomes.get(outcome);
    if (n == null) {
      // Outcome names should be few; a cause with a message in its name must not grow the map.
      n = outcomes.size() < MAX_OUTCOMES
          ? outcomes.computeIfAbsent(outcome, k -> new LongAdder())
          : outcomes.computeIfAbsent(OTHER_OUTCOMES, k -> new LongAdder());
    }
    n.increment();
  }

  private static void addExamples(List<String> to, List<String> from) {
    for (String s : from) {
      if (to.size() >= MAX_EXAMPLES) {
        return;
      }
      to.add(s);
    }
  }

  /** Up to {@code MAX_EXAMPLES}, taking one of each kind in turn so every kind of failure shows. */
  private static List<String> interleave(List<List<String>> kinds) {
    List<String> out = new ArrayList<>();
    List<Iterator<String>> its = new ArrayList<>();
    kinds.forEach(k -> its.add(k.iterator()));
    boolean any = true;
    while (any && out.size() < MAX_EXAMPLES) {
      any = false;
      for (Iterator<String> it : its) {
        if (it.hasNext() && out.size() < MAX_EXAMPLES) {
          out.add(it.next());
          any = true;
        }
      }
    }
    return List.copyOf(out);
  }

  private static String requireName(String name, String what) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("audit " + what + " must be a non-blank name, got '" + name + "'");
    }
    return name;
  }

  /**
   * The audit's verdict.
   *
   * @param offered distinct items offered
   * @param settled settlements recorded, duplicates and unexpected ones included (so {@code
   *     settled = offered - missing + duplicates + unexpected})
   * @param missing items offered and never settled (lost, or still in flight)
   * @param duplicates settlements of an item already settled
   * @param unexpected distinct items settled but never offered
   * @param offeredTwice offers of an item already offered
   * @param outcomes settlements per outcome name
   * @param examples up to 10 failing items, each kind in turn, e.g. {@code stream0#17 offered but
   *     never settled}
   */
  public record Result(
      long offered,
      long settled,
      long missing,
      long duplicates,
      long unexpected,
      long offeredTwice,
      Map<String, Long> outcomes,
      List<String> examples) {

    public Result {
      outcomes = Map.copyOf(outcomes);
      examples = List.copyOf(examples);
    }

    /** True when every offered item was settled exactly once and nothing else was settled. */
    public boolean passed() {
      return missing == 0 && duplicates == 0 && unexpected == 0 && offeredTwice == 0;
    }

    /**
     * One line, e.g. {@code audit passed: 1000 offered, 1000 settled exactly once (990 completed,
     * 10 shed:drop-oldest)} or {@code audit FAILED: 3 never settled, 1 settled twice (1000 offered,
     * 998 settled); e.g. stream0#17 offered but never settled, ...}.
     */
    public String describe() {
      if (passed()) {
        StringBuilder sb = new StringBuilder("audit passed: ")
            .append(offered).append(" offered, ").append(settled).append(" settled exactly once");
        if (!outcomes.isEmpty()) {
          List<String> parts = new ArrayList<>();
          new TreeMap<>(outcomes).forEach((k, v) -> parts.add(v + " " + k));
          sb.append(" (").append(String.join(", ", parts)).append(')');
        }
        return sb.toString();
      }
      List<String> faults = new ArrayList<>();
      addFault(faults, missing, "never settled");
      addFault(faults, duplicates, "settled twice");
      addFault(faults, unexpected, "settled but never offered");
      addFault(faults, offeredTwice, "offered twice");
      return "audit FAILED: " + String.join(", ", faults)
          + " (" + offered + " offered, " + settled + " settled); e.g. " + String.join(", ", examples);
    }

    private static void addFault(List<String> faults, long n, String what) {
      if (n > 0) {
        faults.add(n + " " + what);
      }
    }
  }

  /** One stream's bits; every method runs under the book's own lock. */
  private static final class StreamBook {
    /** A chunk whose items were all offered and settled once: shared, never written. */
    private static final Chunk FULL = new Chunk();

    private final String stream;
    private final TreeMap<Long, Chunk> chunks = new TreeMap<>();
    private long lastIndex = Long.MIN_VALUE;
    private Chunk last;
    private long offeredCount;
    private long settleCalls;
    private long duplicates;
    private long offeredTwice;
    private final List<String> duplicateExamples = new ArrayList<>();
    private final List<String> offeredTwiceExamples = new ArrayList<>();

    StreamBook(String stream) {
      this.stream = stream;
    }

    synchronized void offered(long seq) {
      long index = Math.floorDiv(seq, CHUNK_SIZE);
      Chunk c = chunk(index);
      if (c == FULL || !c.offer(Math.floorMod(seq, CHUNK_SIZE))) {
        offeredTwice++;
        example(offeredTwiceExamples, key(seq) + " offered twice");
        return;
      }
      offeredCount++;
      compact(index, c);
    }

    synchronized void settled(long seq, String outcome) {
      settleCalls++;
      long index = Math.floorDiv(seq, CHUNK_SIZE);
      Chunk c = chunk(index);
      if (c == FULL || !c.settle(Math.floorMod(seq, CHUNK_SIZE))) {
        duplicates++;
        example(duplicateExamples, key(seq) + " settled twice (again as " + outcome + ")");
        return;
      }
      compact(index, c);
    }

    /** Adds items offered-not-settled and settled-not-offered to the counts and examples. */
    synchronized void scan(long[] missing, List<String> missingEx, long[] unexpected, List<String> unexpectedEx) {
      for (Map.Entry<Long, Chunk> e : chunks.entrySet()) {
        Chunk c = e.getValue();
        if (c == FULL) {
          continue;
        }
        long base = e.getKey() * CHUNK_SIZE;
        for (int w = 0; w < WORDS; w++) {
          long off = c.offered[w];
          long set = c.settled == null ? 0 : c.settled[w];
          missing[0] += Long.bitCount(off & ~set);
          unexpected[0] += Long.bitCount(set & ~off);
          examples(missingEx, off & ~set, base + (long) w * Long.SIZE, " offered but never settled");
          examples(unexpectedEx, set & ~off, base + (long) w * Long.SIZE, " settled but never offered");
        }
      }
    }

    synchronized long footprintBytes() {
      long bytes = 160 + 64L * (duplicateExamples.size() + offeredTwiceExamples.size());
      for (Chunk c : chunks.values()) {
        bytes += 56; // tree entry and boxed key
        if (c != FULL) {
          bytes += 32 + (16 + 8L * WORDS) * (c.settled == null ? 1 : 2);
        }
      }
      return bytes;
    }

    private void examples(List<String> to, long bits, long firstSeq, String what) {
      while (bits != 0 && to.size() < MAX_EXAMPLES) {
        int b = Long.numberOfTrailingZeros(bits);
        to.add(key(firstSeq + b) + what);
        bits &= bits - 1;
      }
    }

    private Chunk chunk(long index) {
      if (index != lastIndex) {
        last = chunks.computeIfAbsent(index, i -> new Chunk());
        lastIndex = index;
      }
      return last;
    }

    private void compact(long index, Chunk c) {
      if (c.offeredBits == CHUNK_SIZE && c.settledBits == CHUNK_SIZE) {
        chunks.put(index, FULL);
        if (lastIndex == index) {
          last = FULL;
        }
      }
    }

    private void example(List<String> to, String what) {
      if (to.size() < MAX_EXAMPLES) {
        to.add(what);
      }
    }

    private String key(long seq) {
      return stream + "#" + seq;
    }
  }

  /** Offered and settled bits of {@link #CHUNK_SIZE} consecutive sequence numbers. */
  private static final class Chunk {
    final long[] offered = new long[WORDS];
    long[] settled; // allocated at the first settlement: items in flight need only half
    int offeredBits;
    int settledBits;

    /** Sets the offered bit; false if it was set already. */
    boolean offer(int bit) {
      if (!setBit(offered, bit)) {
        return false;
      }
      offeredBits++;
      return true;
    }

    /** Sets the settled bit; false if it was set already. */
    boolean settle(int bit) {
      if (settled == null) {
        settled = new long[WORDS];
      }
      if (!setBit(settled, bit)) {
        return false;
      }
      settledBits++;
      return true;
    }

    private static boolean setBit(long[] words, int bit) {
      long mask = 1L << bit; // shifts use the low 6 bits: the bit within its word
      int w = bit >>> 6;
      if ((words[w] & mask) != 0) {
        return false;
      }
      words[w] |= mask;
      return true;
    }
  }
}
