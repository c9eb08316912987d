package io.splitstream.pipeline.plan;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one model costs on each processor of a platform, block by block: the table {@code
 * ./splitstream profile} measures and the {@link Planner} reads.
 *
 * <p>A model's nodes (topological order, {@code 0..n-1}) are grouped into consecutive blocks; a
 * stage of a plan always covers whole blocks, so the boundaries between blocks are the only places
 * a model may be cut. For each boundary the table records the bytes that cross it ({@link
 * #cuts()}), for each block the milliseconds one invocation takes on each processor that supports all of the
 * block's ops (a processor absent from {@link Block#msByProcessor()} lacks one of them), and for
 * each ordered pair of processors what moving bytes between them costs ({@link #links()}; a pair
 * without a link shares memory, moving is free).
 *
 * <p>Immutable and thread-safe. Every constructor validates the whole table and throws a one-line
 * {@link SplitstreamException} naming the bad value; {@link #read(Path)} adds the file name and
 * turns JSON problems into the same kind of message. The JSON form carries {@link #SCHEMA} in its
 * {@code schema} field; a file with another schema is refused rather than half-read.
 */
@JsonPropertyOrder({
  "schema", "model", "inputBytes", "outputBytes", "processors", "blocks", "cuts", "links"
})
public record ProfileTable(
    int schema,
    String model,
    long inputBytes,
    long outputBytes,
    List<ProcessorInfo> processors,
    List<Block> blocks,
    List<Cut> cuts,
    List<Link> links) {

  /** The version of the JSON form this build reads and writes. */
  public static final int SCHEMA = 1;

  /** The processor that feeds the first stage and receives the model's output, when present. */
  public static final String HOST = "cpu";

  /**
   * A processor the table was measured on.
   *
   * @param invocationMs fixed cost of one invocation on it (submission, synchronisation), paid
   *     once per stage however many blocks the stage runs; block times exclude it, so that they
   *     add up
   */
  @JsonPropertyOrder({"id", "kind", "emulated", "description", "invocationMs"})
  public record ProcessorInfo(String id, ProcessorKind kind, boolean emulated, String description,
      double invocationMs) {
    public ProcessorInfo {
      if (!(invocationMs >= 0) || Double.isInfinite(invocationMs)) {
        throw new SplitstreamException("processor '" + id + "' has invocationMs " + invocationMs
            + "; it must be finite and >= 0, re-run ./splitstream profile");
      }
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(description, "description");
      if (id.isBlank() || !id.equals(id.trim()) || id.contains(",") || id.contains("+")
          || id.contains(":")) {
        throw new SplitstreamException("processor id '" + id + "' is not usable in a split string;"
            + " use a short name without blanks, ',', '+' or ':' such as cpu, gpu or npu");
      }
    }

    /** A processor whose invocations cost nothing beyond their blocks. */
    public ProcessorInfo(String id, ProcessorKind kind, boolean emulated, String description) {
      this(id, kind, emulated, description, 0);
    }

    /** The entry for a processor of a platform, as the profiler records it. */
    public static ProcessorInfo of(Processor p, double invocationMs) {
      return new ProcessorInfo(p.id(), p.kind(), p.emulated(), p.description(), invocationMs);
    }
  }

  /**
   * Nodes {@code [firstNode, endNode)} of the model, measured as one piece.
   *
   * @param index position of the block in the table, from 0
   * @param opMix floating-point operations per op class (a multiply-add counts as two)
   * @param flops all floating-point operations of the block
   * @param opTypes the op types of its nodes
   * @param msByProcessor milliseconds per invocation by processor id; a processor that lacks one of
   *     the block's ops is absent (a JSON {@code null} reads as absent)
   */
  @JsonPropertyOrder({
    "index", "firstNode", "endNode", "flops", "opMix", "opTypes", "msByProcessor"
  })
  public record Block(
      int index,
      int firstNode,
      int endNode,
      Map<OpClass, Double> opMix,
      double flops,
      List<String> opTypes,
      Map<String, Double> msByProcessor) {
    public Block {
      Objects.requireNonNull(opMix, "opMix");
      Objects.requireNonNull(opTypes, "opTypes");
      Objects.requireNonNull(msByProcessor, "msByProcessor");
      String where = "block " + index + " (nodes [" + firstNode + "," + endNode + "))";
      if (firstNode < 0 || endNode <= firstNode) {
        throw new SplitstreamException(where + " is empty or negative; a block covers at least one"
            + " node, re-run ./splitstream profile");
      }
      if (!(flops >= 0) || Double.isInfinite(flops)) {
        throw new SplitstreamException(where + " has flops " + flops + "; it must be a finite"
            + " number >= 0, re-run ./splitstream profile");
      }
      EnumMap<OpClass, Double> mix = new EnumMap<>(OpClass.class);
      opMix.forEach((c, f) -> {
        if (c == null || f == null || !(f >= 0) || Double.isInfinite(f)) {
          throw new SplitstreamException(where + " has opMix " + c + " = " + f + "; each op class"
              + " needs a finite FLOP count >= 0, re-run ./splitstream profile");
        }
        mix.put(c, f);
      });
      opMix = Collections.unmodifiableMap(mix);
      opTypes = List.copyOf(opTypes);
      LinkedHashMap<String, Double> ms = new LinkedHashMap<>();
      msByProcessor.forEach((id, t) -> {
        if (t == null) {
          return; // null is the JSON spelling of "lacks an op": the same as absent
        }
        if (!(t >= 0) || Double.isInfinite(t)) {
          throw new SplitstreamException(where + " takes " + t + " ms on '" + id + "'; times must"
              + " be finite and >= 0 (leave the processor out when it lacks an op), re-run"
              + " ./splitstream profile");
        }
        ms.put(id, t);
      });
      msByProcessor = Collections.unmodifiableMap(ms);
    }

    /** Milliseconds per invocation on {@code processorId}, empty when it lacks one of the ops. */
    public OptionalDouble ms(String processorId) {
      Double t = msByProcessor.get(processorId);
      return t == null ? OptionalDouble.empty() : OptionalDouble.of(t);
    }

    public boolean supportedOn(String processorId) {
      return msByProcessor.containsKey(processorId);
    }

    /** Short text for messages: {@code block 3 (nodes [14,20))}. */
    public String describeRange() {
      return "block " + index + " (nodes [" + firstNode + "," + endNode + "))";
    }
  }

  /** The bytes that cross the boundary in front of the block starting at {@code node}. */
  @JsonPropertyOrder({"node", "bytes"})
  public record Cut(int node, long bytes) {
    public Cut {
      if (bytes < 0) {
        throw new SplitstreamException("cut at node " + node + " carries " + bytes + " bytes; it"
            + " must be >= 0, re-run ./splitstream profile");
      }
    }
  }

  /**
   * Moving bytes from processor {@code from} to {@code to} costs {@code latencyMs + bytes /
   * bytesPerMs}. Links are directed; a pair without one shares memory.
   */
  @JsonPropertyOrder({"from", "to", "latencyMs", "bytesPerMs"})
  public record Link(String from, String to, double latencyMs, double bytesPerMs) {
    public Link {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      if (from.equals(to)) {
        throw new SplitstreamException("link " + from + "->" + to + " joins a processor to itself;"
            + " staying on one processor is always free, remove the link");
      }
      if (!(latencyMs >= 0) || Double.isInfinite(latencyMs)) {
        throw new SplitstreamException("link " + from + "->" + to + " has latencyMs " + latencyMs
            + "; it must be finite and >= 0");
      }
      if (!(bytesPerMs > 0) || Double.isInfinite(bytesPerMs)) {
        throw new SplitstreamException("link " + from + "->" + to + " has bytesPerMs " + bytesPerMs
            + "; it must be finite and > 0 (leave the link out when moving is free)");
      }
    }

    public double transferMs(long bytes) {
      return latencyMs + bytes / bytesPerMs;
    }
  }

  public ProfileTable {
    if (schema != SCHEMA) {
      throw new SplitstreamException("schema " + schema + " is not the profile schema " + SCHEMA
          + " this build reads; re-run ./splitstream profile");
    }
    if (model == null || model.isBlank()) {
      throw new SplitstreamException("the model name is missing or blank; name the model");
    }
    String of = " of " + model;
    if (inputBytes < 0 || outputBytes < 0) {
      throw new SplitstreamException("inputBytes " + inputBytes + " / outputBytes " + outputBytes
          + of + " must be >= 0; re-run ./splitstream profile");
    }
    processors = List.copyOf(Objects.requireNonNull(processors, "processors"));
    blocks = List.copyOf(Objects.requireNonNull(blocks, "blocks"));
    cuts = List.copyOf(Objects.requireNonNull(cuts, "cuts"));
    links = List.copyOf(Objects.requireNonNull(links, "links"));
    if (processors.isEmpty()) {
      throw new SplitstreamException("the profile" + of + " lists no processors; profile it on at"
          + " least one");
    }
    Set<String> ids = new HashSet<>();
    for (ProcessorInfo p : processors) {
      if (!ids.add(p.id())) {
        throw new SplitstreamException("processor '" + p.id() + "' appears twice in the profile"
            + of + "; each processor id must be unique");
      }
    }
    if (blocks.isEmpty()) {
      throw new SplitstreamException("the profile" + of + " has no blocks; re-run ./splitstream"
          + " profile");
    }
    int expectedFirst = 0;
    for (int k = 0; k < blocks.size(); k++) {
      Block b = blocks.get(k);
      if (b.index() != k) {
        throw new SplitstreamException("block at position " + k + of + " says index " + b.index()
            + "; blocks must be listed in order from 0");
      }
      if (b.firstNode() != expectedFirst) {
        throw new SplitstreamException(b.describeRange() + of + " should start at node "
            + expectedFirst + " (blocks must follow one another without gaps)");
      }
      expectedFirst = b.endNode();
      for (String id : b.msByProcessor().keySet()) {
        if (!ids.contains(id)) {
          throw new SplitstreamException(b.describeRange() + of + " has a time on unknown"
              + " processor '" + id + "'; the profile lists "
              + String.join(", ", idsOf(processors)));
        }
      }
    }
    if (cuts.size() != blocks.size() - 1) {
      throw new SplitstreamException("the profile" + of + " has " + cuts.size() + " cuts for "
          + blocks.size() + " blocks; it needs one per boundary between blocks ("
          + (blocks.size() - 1) + ")");
    }
    for (int k = 0; k < cuts.size(); k++) {
      int boundary = blocks.get(k + 1).firstNode();
      if (cuts.get(k).node() != boundary) {
        throw new SplitstreamException("cut " + k + of + " is at node " + cuts.get(k).node()
            + " but the boundary between blocks " + k + " and " + (k + 1) + " is at node "
            + boundary + "; list one cut per boundary, in order");
      }
    }
    Set<String> pairs = new HashSet<>();
    for (Link l : links) {
      for (String end : List.of(l.from(), l.to())) {
        if (!ids.contains(end)) {
          throw new SplitstreamException("link " + l.from() + "->" + l.to() + of
              + " names unknown processor '" + end + "'; the profile lists "
              + String.join(", ", idsOf(processors)));
        }
      }
      if (!pairs.add(l.from() + "\u0000" + l.to())) {
        throw new SplitstreamException("link " + l.from() + "->" + l.to() + of
            + " appears twice; keep one per direction");
      }
    }
  }

  private static List<String> idsOf(List<ProcessorInfo> ps) {
    return ps.stream().map(ProcessorInfo::id).collect(Collectors.toList());
  }

  /** Reads a table written by {@link #write(Path)}; errors name the file and the bad part. */
  public static ProfileTable read(Path file) {
    return ProfileJson.read(file);
  }

  /** Parses the JSON form; {@code source} names it in errors (a file name, "request body"). */
  public static ProfileTable fromJson(String json, String source) {
    return ProfileJson.parse(json, source);
  }

  /** Writes the JSON form (pretty-printed, map keys sorted so files diff well). */
  public void write(Path file) {
    ProfileJson.write(this, file);
  }

  public String toJson() {
    return ProfileJson.toJson(this);
  }

  public int blockCount() {
    return blocks.size();
  }

  /** Number of nodes of the model: one past the last block's last node. */
  public int nodeCount() {
    return blocks.get(blocks.size() - 1).endNode();
  }

  public List<String> processorIds() {
    return idsOf(processors);
  }

  public Optional<ProcessorInfo> processor(String id) {
    return processors.stream().filter(p -> p.id().equals(id)).findFirst();
  }

  /** Node indices where a stage may start: 0 and every block boundary, ascending. */
  public List<Integer> cutPoints() {
    return blocks.stream().map(Block::firstNode).collect(Collectors.toUnmodifiableList());
  }

  /** The block that starts at {@code node}, if {@code node} is a cut point. */
  public OptionalInt blockStartingAt(int node) {
    for (Block b : blocks) {
      if (b.firstNode() == node) {
        return OptionalInt.of(b.index());
      }
    }
    return OptionalInt.empty();
  }

  /**
   * Bytes that enter block {@code block} from the stage before it; for block 0 the model's input,
   * for {@link #blockCount()} the model's output.
   */
  public long bytesInto(int block) {
    if (block == 0) {
      return inputBytes;
    }
    if (block == blocks.size()) {
      return outputBytes;
    }
    return cuts.get(block - 1).bytes();
  }

  public Optional<Link> link(String from, String to) {
    return links.stream().filter(l -> l.from().equals(from) && l.to().equals(to)).findFirst();
  }

  /** Milliseconds to move {@code bytes} between processors; 0 on one processor or without a link. */
  public double transferMs(String from, String to, long bytes) {
    if (from.equals(to)) {
      return 0;
    }
    return link(from, to).map(l -> l.transferMs(bytes)).orElse(0.0);
  }

  public static Builder builder(String model) {
    return new Builder(model);
  }

  /**
   * Assembles a table block by block, for the profiler and for tests. Blocks follow one another:
   * each starts where the previous one ended. Call {@link #cut(long)} between two blocks to give
   * the bytes crossing that boundary. Not thread-safe; {@link #build()} validates everything.
   */
  public static final class Builder {
    private final String model;
    private long inputBytes;
    private long outputBytes;
    private final List<ProcessorInfo> processors = new ArrayList<>();
    private final List<Block> blocks = new ArrayList<>();
    private final List<Cut> cuts = new ArrayList<>();
    private final List<Link> links = new ArrayList<>();

    private Builder(String model) {
      this.model = model;
    }

    public Builder inputBytes(long bytes) {
      this.inputBytes = bytes;
      return this;
    }

    public Builder outputBytes(long bytes) {
      this.outputBytes = bytes;
      return this;
    }

    public Builder processor(ProcessorInfo p) {
      processors.add(p);
      return this;
    }

    public Builder processor(String id, ProcessorKind kind, boolean emulated, String description) {
      return processor(new ProcessorInfo(id, kind, emulated, description));
    }

    /** Adds the next block, ending before {@code endNode}; its flops are the sum of {@code opMix}. */
    public Builder block(int endNode, Map<OpClass, Double> opMix, List<String> opTypes,
        Map<String, Double> msByProcessor) {
      double flops = opMix.values().stream().mapToDouble(Double::doubleValue).sum();
      blocks.add(new Block(blocks.size(), nextFirstNode(), endNode, opMix, flops, opTypes,
          msByProcessor));
      return this;
    }

    /** Adds the next block with only its times known. */
    public Builder block(int endNode, Map<String, Double> msByProcessor) {
      return block(endNode, Map.of(), List.of(), msByProcessor);
    }

    /** Adds a fully described block; its index and first node must follow the previous block. */
    public Builder block(Block block) {
      blocks.add(block);
      return this;
    }

    /** The bytes crossing the boundary behind the last block added. */
    public Builder cut(long bytes) {
      cuts.add(new Cut(nextFirstNode(), bytes));
      return this;
    }

    public Builder link(String from, String to, double latencyMs, double bytesPerMs) {
      links.add(new Link(from, to, latencyMs, bytesPerMs));
      return this;
    }

    /** The same link in both directions. */
    public Builder links(String a, String b, double latencyMs, double bytesPerMs) {
      return link(a, b, latencyMs, bytesPerMs).link(b, a, latencyMs, bytesPerMs);
    }

    private int nextFirstNode() {
      return blocks.isEmpty() ? 0 : blocks.get(blocks.size() - 1).endNode();
    }

    /** @throws SplitstreamException naming the model and the bad part */
    public ProfileTable build() {
      try {
        return new ProfileTable(SCHEMA, model, inputBytes, outputBytes, processors, blocks, cuts,
            links);
      } catch (SplitstreamException e) {
        throw new SplitstreamException("profile table of " + model + ": " + e.getMessage(), e);
      }
    }
  }
}
