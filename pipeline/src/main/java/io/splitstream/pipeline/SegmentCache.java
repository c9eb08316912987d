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
 * clock. A plan acquired before its prepared segments are ready pays the time they still need.
 *
 * <p>Thread-safe: all methods lock the cache; loading (which can take seconds on a real
 * accelerator) happens under that lock, so two plans never load the same segment twice.
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

  private final Model model;
  private final Platform platform;
  private final Map<Key, Entry> entries = new LinkedHashMap<>();
  private final Map<String, Long> backgroundUntil = new LinkedHashMap<>();
  private final java.util.function.LongSupplier clock;
  private long tick;
  private boolean closed;

  /** A cache whose prepared segments are ready at once (no clock to charge their load on). */
  public SegmentCache(Model model, Platform platform) {
    this(model, platform, () -> 0L);
  }

  /** A cache that times background loads on {@code clockNanos} (the pipeline's clock). */
  public SegmentCache(Model model, Platform platform, java.util.function.LongSupplier clockNanos) {
    this.model = Objects.requireNonNull(model, "model");
    this.platform = Objects.requireNonNull(platform, "platform");
    this.clock = Objects.requireNonNull(clockNanos, "clockNanos");
  }

  /**
   * Loads, in the background, the segments of {@code plan} not loaded yet, without taking a
   * reference: they stay idle (and ready once their load time has passed) for a later {@link
   * #acquire}. A processor that refuses a segment is skipped.
   *
   * @return the segments it started loading
   */
  public synchronized int prepare(Plan plan) {
    if (closed) {
      return 0;
    }
    long now = clock.getAsLong();
    List<Segment> segments = null;
    int started = 0;
    for (Plan.Stage st : plan.stages()) {
      for (String id : st.processors()) {
        Key key = new Key(st.firstNode(), st.endNode(), id);
        if (entries.containsKey(key)) {
          continue;
        }
        try {
          if (segments == null) {
            segments = cut(plan);
          }
          LoadedSegment ls = platform.processor(id).load(segments.get(st.index()));
          Entry e = new Entry(ls);
          long from = Math.max(now, backgroundUntil.getOrDefault(id, Long.MIN_VALUE));
          // a real load has already taken its time; an emulated one takes the profile's from here
          e.readyAt = Math.max(from + ls.loadTime().toNanos(), clock.getAsLong());
          backgroundUntil.put(id, e.readyAt);
          e.lastUsed = ++tick;
          entries.put(key, e);
          started++;
        } catch (SplitstreamException ex) {
          // an offline processor, or an op it lacks: nothing to prepare there
        }
      }
    }
    evictIdle();
    return started;
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

  public Model model() {
    return model;
  }

  public Platform platform() {
    return platform;
  }

  /**
   * Loads what {@code plan} lacks and takes a reference on every segment it uses. Replicas come
   * fastest first (the plan's predicted time), so under light load a stage serves every frame on
   * its fastest processor.
   *
   * @throws SplitstreamException when the plan does not fit the model (a TFLite model cut into
   *     several stages) or a processor refuses a segment (an op it lacks, or it is offline); then
   *     nothing stays referenced
   */
  public synchronized LoadedPlan acquire(Plan plan) {
    if (closed) {
      throw new IllegalStateException("segment cache is closed");
    }
    List<Segment> segments = null;
    List<Entry> taken = new ArrayList<>();
    Map<String, Duration> loadByProcessor = new LinkedHashMap<>();
    Map<String, Duration> pendingByProcessor = new LinkedHashMap<>();
    long now = clock.getAsLong();
    int loaded = 0;
    int reused = 0;
    try {
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
          if (e == null) {
            if (segments == null) {
              segments = cut(plan);
            }
            Processor p = platform.processor(id);
            LoadedSegment ls = p.load(segments.get(st.index()));
            e = new Entry(ls);
            entries.put(key, e);
            loadByProcessor.merge(id, ls.loadTime(), Duration::plus);
            loaded++;
          } else {
            reused++;
            if (e.readyAt > now) {
              // prepared in the background and not finished loading: wait for the rest of it
              pendingByProcessor.merge(id, Duration.ofNanos(e.readyAt - now),
                  (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
          }
          e.refs++;
          e.lastUsed = ++tick;
          taken.add(e);
          seg = e.segment.segment();
          replicas.add(new Pipeline.Replica(e.segment.processor(), e.segment));
        }
        stages.add(new Pipeline.StageBinding(st.index(), seg, replicas));
      }
      pendingByProcessor.forEach((id, d) -> loadByProcessor.merge(id, d, Duration::plus));
      Duration cost = loadByProcessor.values().stream().max(Comparator.naturalOrder()).orElse(Duration.ZERO);
      evictIdle();
      return new LoadedPlan(plan, stages, cost, loaded, reused);
    } catch (RuntimeException ex) {
      taken.forEach(e -> e.refs--);
      evictIdle();
      throw ex;
    }
  }

  /** Drops {@code plan}'s references; its segments stay loaded for reuse while the idle limit allows. */
  public synchronized void release(LoadedPlan plan) {
    for (Plan.Stage st : plan.plan().stages()) {
      for (String id : st.processors()) {
        Entry e = entries.get(new Key(st.firstNode(), st.endNode(), id));
        if (e != null && e.refs > 0) {
          e.refs--;
        }
      }
    }
    evictIdle();
  }

  /** Whether every segment of {@code plan} on {@code processor} is loaded already. */
  public synchronized boolean hasAll(Plan plan, String processor) {
    for (Plan.Stage st : plan.stages()) {
      if (st.processors().contains(processor)
          && !entries.containsKey(new Key(st.firstNode(), st.endNode(), processor))) {
        return false;
      }
    }
    return true;
  }

  /** The segments loaded on {@code processor}, most recently used first, with their keys (for probes). */
  public synchronized List<Map.Entry<Key, LoadedSegment>> loadedOn(String processor) {
    return entries.entrySet().stream()
        .filter(en -> en.getKey().processor().equals(processor))
        .sorted(Comparator.comparingLong((Map.Entry<Key, Entry> en) -> en.getValue().lastUsed).reversed())
        .map(en -> Map.entry(en.getKey(), en.getValue().segment))
        .toList();
  }

  /** Segments loaded now (in use or idle). */
  public synchronized int size() {
    return entries.size();
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

  private void evictIdle() {
    List<Map.Entry<Key, Entry>> idle = entries.entrySet().stream()
        .filter(en -> en.getValue().refs == 0)
        .sorted(Comparator.comparingLong(en -> en.getValue().lastUsed))
        .toList();
    for (int i = 0; i < idle.size() - IDLE_LIMIT; i++) {
      Map.Entry<Key, Entry> en = idle.get(i);
      entries.remove(en.getKey());
      en.getValue().segment.close();
    }
  }

  /** Closes every loaded segment. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Entry e : entries.values()) {
      e.segment.close();
    }
    entries.clear();
  }
}
