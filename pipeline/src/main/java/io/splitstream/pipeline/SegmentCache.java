package io.splitstream.pipeline;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.pipeline.plan.Plan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The segments loaded on the platform's processors, keyed by (node range, processor), shared by
 * every plan epoch that uses them: a plan that comes back finds its segments still loaded and pays
 * no load time again. {@link #acquire} loads what a plan lacks and counts a reference on each
 * segment the plan uses; {@link #release} drops the plan's references when its epoch retires. A
 * segment no epoch uses stays loaded (up to {@link #IDLE_LIMIT} of them, least recently used
 * closed first), so it can be reused and also probed.
 *
 * <p>Load cost: a processor loads its new segments one after another, processors load in
 * parallel, so a plan's load cost is the largest per-processor sum of {@link
 * LoadedSegment#loadTime()} over the segments it had to load (the profile's first-load or
 * cached-load figure on an emulated processor, the measured time on a real one). Loading happens
 * off the processors' lanes: the old plan keeps serving meanwhile (make before break).
 *
 * <p><b>Prepared in advance.</b> {@link #prepare} loads a plan's segments in the background (as
 * Band prepares its subgraphs ahead of need), each processor one segment after another: a segment
 * is ready its load time after the processor's previous background load ended, on the cache's
 * clock. A plan acquired before its prepared segments are ready pays the time they still need, and
 * a segment it must load itself starts when its processor's background loads are done.
 *
 * <p>Thread-safe. Loads (which can take seconds on a real accelerator) run one at a time under a
 * loading lock of their own, so no segment loads twice, while the map's lock is held only for
 * bookkeeping: releasing a retired epoch, probing or estimating a cost never waits for a load.
 * Evicted segments are closed outside both locks.
 */
public final class SegmentCache implements AutoCloseable {
  /** Segments kept loaded while no epoch uses them. */
  public static final int IDLE_LIMIT = 32;

  /** Where a loaded segment sits: nodes {@code [firstNode, endNode)} on {@code processor}. */
  public record Key(int firstNode, int endNode, String processor) {}

  /**
   * A plan's stages with their segments loaded.
   *
   * @param loadCost what bringing the plan up cost (see the class comment); zero when every
   *     segment was loaded already
   * @param loaded segments this plan had to load
   * @param reused segments it found loaded
   */
  public record LoadedPlan(Plan plan, List<Pipeline.StageBinding> stages, Duration loadCost, int loaded, int reused) {
    public LoadedPlan {
      stages = List.copyOf(stages);
    }

    /** The processors this plan runs on. */
    public List<String> processors() {
      return plan.stages().stream().flatMap(s -> s.processors().stream()).toList();
    }
  }

  private static final class Entry {
    final LoadedSegment segment;
    int refs;
    long lastUsed;
    long readyAt = Long.MIN_VALUE;

    Entry(LoadedSegment segment) {
      this.segment = segment;
    }
  }

  /** A segment loaded outside the lock, waiting to be published. */
  private record Fresh(Key key, LoadedSegment segment, long readyAt, Duration cost) {}

  private final Model model;
  private final Platform platform;
  private final Map<Key, Entry> entries = new LinkedHashMap<>();
  private final Map<String, Long> backgroundUntil = new LinkedHashMap<>();
  private final java.util.function.LongSupplier clock;
  private final boolean timed;
  /** Serialises loading (so no key loads twice) without holding the map's lock meanwhile. */
  private final java.util.concurrent.locks.ReentrantLock loading = new java.util.concurrent.locks.ReentrantLock(true);
  private long tick;
  private boolean closed;

  /** A cache whose prepared segments are ready at once (no clock to charge their load on). */
  public SegmentCache(Model model, Platform platform) {
    this(model, platform, () -> 0L, false);
  }

  /** A cache that times loads on {@code clockNanos} (the pipeline's clock). */
  public SegmentCache(Model model, Platform platform, java.util.function.LongSupplier clockNanos) {
    this(model, platform, clockNanos, true);
  }

  private SegmentCache(Model model, Platform platform, java.util.function.LongSupplier clockNanos, boolean timed) {
    this.model = Objects.requireNonNull(model, "model");
    this.platform = Objects.requireNonNull(platform, "platform");
    this.clock = Objects.requireNonNull(clockNanos, "clockNanos");
    this.timed = timed;
  }

  public Model model() {
    return model;
  }

  public Platform platform() {
    return platform;
  }

  /**
   * Loads, in the background, the segments of {@code plan} not loaded yet, without taking a
   * reference: they stay idle (and ready once their load time has passed) for a later {@link
   * #acquire}. A processor that refuses a segment is skipped. Callers that care about the order of
   * preparations call this from one thread.
   *
   * @return the segments it loaded
   */
  public int prepare(Plan plan) {
    loading.lock();
    List<LoadedSegment> toClose;
    int n;
    try {
      List<Key> missing = missing(plan);
      if (missing == null) {
        return 0;
      }
      List<Fresh> fresh = load(plan, missing, true);
      synchronized (this) {
        for (Fresh f : fresh) {
          Entry e = new Entry(f.segment());
          e.readyAt = f.readyAt();
          e.lastUsed = ++tick;
          entries.put(f.key(), e);
        }
        n = fresh.size();
        toClose = closed ? fresh.stream().map(Fresh::segment).toList() : evictIdle();
      }
    } finally {
      loading.unlock();
    }
    toClose.forEach(LoadedSegment::close);
    return n;
  }

  /**
   * What acquiring {@code plan} would cost on {@code processor} now, in milliseconds: the time its
   * prepared segments still need, plus {@code perMissingMs} for each segment not loaded at all.
   */
  public synchronized double expectedLoadMs(Plan plan, String processor, double perMissingMs) {
    long now = clock.getAsLong();
    double pending = 0;
    double missing = 0;
    for (Plan.Stage st : plan.stages()) {
      if (!st.processors().contains(processor)) {
        continue;
      }
      Entry e = entries.get(new Key(st.firstNode(), st.endNode(), processor));
      if (e == null) {
        missing += perMissingMs;
      } else if (e.readyAt > now) {
        pending = Math.max(pending, (e.readyAt - now) / 1e6);
      }
    }
    return pending + missing;
  }

  /**
   * Loads what {@code plan} lacks and takes a reference on every segment it uses. Replicas come
   * fastest first (the plan's predicted time), so under light load a stage serves every frame on
   * its fastest processor. Loading happens outside the cache's lock: releases, probes and cost
   * estimates go on meanwhile; another load (a background preparation) is waited for.
   *
   * @throws SplitstreamException when the plan does not fit the model (a TFLite model cut into
   *     several stages) or a processor refuses a segment (an op it lacks, or it is offline); then
   *     nothing stays referenced
   */
  public LoadedPlan acquire(Plan plan) {
    loading.lock();
    List<LoadedSegment> toClose = List.of();
    try {
      List<Key> missing = missing(plan);
      if (missing == null) {
        throw new IllegalStateException("segment cache is closed");
      }
      List<Fresh> fresh = load(plan, missing, false);
      synchronized (this) {
        long now = clock.getAsLong();
        Map<String, Duration> loadByProcessor = new LinkedHashMap<>();
        Map<String, Duration> pendingByProcessor = new LinkedHashMap<>();
        for (Fresh f : fresh) {
          Entry e = new Entry(f.segment());
          entries.put(f.key(), e);
          loadByProcessor.merge(f.key().processor(), f.cost(), Duration::plus);
        }
        int reused = 0;
        List<Pipeline.StageBinding> stages = new ArrayList<>();
        for (Plan.Stage st : plan.stages()) {
          List<Pipeline.Replica> replicas = new ArrayList<>();
          Segment seg = null;
          List<String> byTime = st.replicas().stream()
              .sorted(Comparator.comparingDouble(Plan.Replica::totalMs))
              .map(Plan.Replica::processor)
              .toList();
          for (String id : byTime) {
            Key key = new Key(st.firstNode(), st.endNode(), id);
            Entry e = entries.get(key);
            if (fresh.stream().noneMatch(f -> f.key().equals(key))) {
              reused++;
              if (e.readyAt > now) {
                // prepared in the background and not finished loading: wait for the rest of it
                pendingByProcessor.merge(id, Duration.ofNanos(e.readyAt - now), (a, b) -> a.compareTo(b) >= 0 ? a : b);
              }
            }
            e.refs++;
            e.lastUsed = ++tick;
            seg = e.segment.segment();
            replicas.add(new Pipeline.Replica(e.segment.processor(), e.segment));
          }
          stages.add(new Pipeline.StageBinding(st.index(), seg, replicas));
        }
        pendingByProcessor.forEach((id, d) -> loadByProcessor.merge(id, d, Duration::plus));
        Duration cost = loadByProcessor.values().stream().max(Comparator.naturalOrder()).orElse(Duration.ZERO);
        toClose = evictIdle();
        return new LoadedPlan(plan, stages, cost, fresh.size(), reused);
      }
    } finally {
      loading.unlock();
      toClose.forEach(LoadedSegment::close);
    }
  }

  /** The keys {@code plan} needs that are not loaded; null when the cache is closed. */
  private synchronized List<Key> missing(Plan plan) {
    if (closed) {
      return null;
    }
    List<Key> missing = new ArrayList<>();
    for (Plan.Stage st : plan.stages()) {
      for (String id : st.processors()) {
        Key key = new Key(st.firstNode(), st.endNode(), id);
        if (!entries.containsKey(key)) {
          missing.add(key);
        }
      }
    }
    return missing;
  }

  /**
   * Loads {@code keys} (called with {@link #loading} held, without the map's lock). A processor
   * loads one segment after another: on a timed cache a load starts when the processor's previous
   * one ends, and its cost includes that wait. In the background, refused segments are skipped; in
   * the foreground they fail the whole load, closing what was loaded.
   */
  private List<Fresh> load(Plan plan, List<Key> keys, boolean background) {
    List<Fresh> fresh = new ArrayList<>();
    if (keys.isEmpty()) {
      return fresh;
    }
    try {
      List<Segment> segments = cut(plan);
      for (Key key : keys) {
        Plan.Stage st = plan.stages().stream().filter(x -> x.firstNode() == key.firstNode()).findFirst().orElseThrow();
        LoadedSegment ls;
        long now = clock.getAsLong();
        try {
          ls = platform.processor(key.processor()).load(segments.get(st.index()));
        } catch (SplitstreamException ex) {
          if (background) {
            continue; // an offline processor, or an op it lacks: nothing to prepare there
          }
          throw ex;
        }
        long readyAt = Long.MIN_VALUE;
        Duration cost = ls.loadTime();
        if (timed) {
          long from;
          synchronized (this) {
            from = Math.max(now, backgroundUntil.getOrDefault(key.processor(), Long.MIN_VALUE));
            // a real load has already taken its time; an emulated one takes the profile's from here
            readyAt = Math.max(from + ls.loadTime().toNanos(), clock.getAsLong());
            backgroundUntil.put(key.processor(), readyAt);
          }
          cost = Duration.ofNanos(Math.max(0, readyAt - now));
        }
        fresh.add(new Fresh(key, ls, background ? readyAt : Long.MIN_VALUE, cost));
      }
      return fresh;
    } catch (RuntimeException ex) {
      fresh.forEach(f -> f.segment().close());
      throw ex;
    }
  }

  /** Drops {@code plan}'s references; its segments stay loaded for reuse while the idle limit allows. */
  public void release(LoadedPlan plan) {
    List<LoadedSegment> toClose;
    synchronized (this) {
      for (Plan.Stage st : plan.plan().stages()) {
        for (String id : st.processors()) {
          Entry e = entries.get(new Key(st.firstNode(), st.endNode(), id));
          if (e != null && e.refs > 0) {
            e.refs--;
          }
        }
      }
      toClose = evictIdle();
    }
    toClose.forEach(LoadedSegment::close);
  }

  /** The segments loaded on {@code processor}, most recently used first, with their keys (for probes). */
  public synchronized List<Map.Entry<Key, LoadedSegment>> loadedOn(String processor) {
    return entries.entrySet().stream()
        .filter(en -> en.getKey().processor().equals(processor))
        .sorted(Comparator.comparingLong((Map.Entry<Key, Entry> en) -> en.getValue().lastUsed).reversed())
        .map(en -> Map.entry(en.getKey(), en.getValue().segment))
        .toList();
  }

  private List<Segment> cut(Plan plan) {
    List<Integer> cuts = plan.cutNodes();
    if (model instanceof OnnxModel onnx) {
      return onnx.cut(cuts.stream().mapToInt(Integer::intValue).toArray());
    }
    if (cuts.isEmpty()) {
      return List.of(model.whole());
    }
    throw new SplitstreamException("model " + model.name() + " is " + model.format()
        + " and runs whole: give --split with one stage (e.g. 0:cpu) or use an ONNX model to split");
  }

  /** Drops idle segments beyond the limit, least recently used first; the caller closes them after unlocking. */
  private List<LoadedSegment> evictIdle() {
    List<Map.Entry<Key, Entry>> idle = entries.entrySet().stream()
        .filter(en -> en.getValue().refs == 0)
        .sorted(Comparator.comparingLong(en -> en.getValue().lastUsed))
        .toList();
    List<LoadedSegment> out = new ArrayList<>();
    for (int i = 0; i < idle.size() - IDLE_LIMIT; i++) {
      Map.Entry<Key, Entry> en = idle.get(i);
      entries.remove(en.getKey());
      out.add(en.getValue().segment);
    }
    return out;
  }

  /** Closes every loaded segment, after any load in progress. Idempotent. */
  @Override
  public void close() {
    loading.lock();
    List<LoadedSegment> all;
    try {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        all = entries.values().stream().map(e -> e.segment).toList();
        entries.clear();
      }
    } finally {
      loading.unlock();
    }
    all.forEach(LoadedSegment::close);
  }
}
