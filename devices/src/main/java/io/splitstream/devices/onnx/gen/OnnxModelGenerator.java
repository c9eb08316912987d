package io.splitstream.devices.onnx.gen;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * Generates ONNX models in pure Java, with weights drawn from a seed so the same arguments give the
 * same bytes on every machine: two families of configurable size (MobileNetV2-like, ResNet-like)
 * and small special models for tests (several inputs and outputs, dynamic dimensions, an op a test
 * processor can refuse). Models are float32 NCHW, IR version 8, opset 13, with value_info for every
 * statically shaped activation. Weights are scaled (variance 2/fan-in before a ReLU, 1/fan-in
 * otherwise, residual branches damped) so activations stay of order one and different inputs give
 * clearly different outputs. Stateless and thread-safe.
 */
public final class OnnxModelGenerator {
  /** MobileNetV2's channel and stride sequence for its 17 inverted residual blocks. */
  private static final int[] MOBILENET_CHANNELS =
      {16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320};
  private static final int[] MOBILENET_STRIDES = {1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1};

  /**
   * The size of a generated model.
   *
   * @param name the model's name (graph name, and file name stem by convention)
   * @param blocks inverted residual blocks (MobileNet, 1..17) or basic blocks (ResNet, 1..32)
   * @param width channel multiplier, e.g. 0.5
   * @param resolution input height and width
   * @param classes classifier outputs
   * @param seed weight seed
   */
  public record Config(String name, int blocks, double width, int resolution, int classes, long seed) {
    public Config {
      if (blocks < 1 || width <= 0 || resolution < 8 || classes < 1) {
        throw new SplitstreamException("generator config " + name + " is not valid: need blocks >= 1, width > 0, "
            + "resolution >= 8 and classes >= 1");
      }
    }
  }

  private OnnxModelGenerator() {}

  /** 4 blocks, width 0.5, 32x32 input, 10 classes: 26 compute nodes. */
  public static Config mobileNetSmall() {
    return new Config("mobilenet-small", 4, 0.5, 32, 10, 11);
  }

  /** 12 blocks, width 1.0, 96x96 input, 100 classes: 72 compute nodes. */
  public static Config mobileNetLarge() {
    return new Config("mobilenet-large", 12, 1.0, 96, 100, 12);
  }

  /** 4 basic blocks (one per stage), width 0.25, 32x32 input, 10 classes. */
  public static Config resNetSmall() {
    return new Config("resnet-small", 4, 0.25, 32, 10, 21);
  }

  /** 8 basic blocks (ResNet-18's layout), width 0.5, 64x64 input, 100 classes. */
  public static Config resNetLarge() {
    return new Config("resnet-large", 8, 0.5, 64, 100, 22);
  }

  /**
   * MobileNetV2-like: stem 3x3 stride-2 conv + ReLU6, then inverted residual blocks (1x1 expand
   * conv + ReLU6 except in the first block, 3x3 depthwise conv + ReLU6, 1x1 projection, residual Add
   * when stride is 1 and channels match), a 1x1 head conv + ReLU6, global average pool and a Gemm
   * classifier. ReLU6 is Clip with its bounds in two Constant nodes at the top of the graph, read
   * all the way down: they must never cross a cut. Input {@code image} [1,3,R,R], output
   * {@code logits} [1,classes].
   */
  public static ModelProto mobileNetV2(Config c) {
    return mobileNetV2(c, true);
  }

  /** {@link #mobileNetV2(Config)}, without weight data when {@code withWeights} is false (see {@link Architectures}). */
  static ModelProto mobileNetV2(Config c, boolean withWeights) {
    if (c.blocks() > MOBILENET_CHANNELS.length) {
      throw new SplitstreamException("generator config " + c.name() + " asks for " + c.blocks()
          + " MobileNetV2 blocks: at most " + MOBILENET_CHANNELS.length);
    }
    GraphBuilder g = new GraphBuilder(c.name(), c.seed(), withWeights);
    String x = g.input("image", new long[] {1, 3, c.resolution(), c.resolution()}, null);
    String lo = g.constantScalar("relu6.min", 0f);
    String hi = g.constantScalar("relu6.max", 6f);
    long ch = channels(32, c.width());
    x = g.clip(g.conv(x, 3, ch, 3, 2, 1, 2), lo, hi);
    for (int i = 0; i < c.blocks(); i++) {
      long out = channels(MOBILENET_CHANNELS[i], c.width());
      int stride = MOBILENET_STRIDES[i];
      long hidden = i == 0 ? ch : ch * 6;
      String h = x;
      if (i > 0) {
        h = g.clip(g.conv(h, ch, hidden, 1, 1, 1, 2), lo, hi);
      }
      h = g.clip(g.conv(h, hidden, hidden, 3, stride, hidden, 2), lo, hi);
      // the projection is linear; damped so the residual sum keeps its scale
      h = g.conv(h, hidden, out, 1, 1, 1, stride == 1 && out == ch ? 0.5 : 1);
      x = stride == 1 && out == ch ? g.binary("Add", x, h) : h;
      ch = out;
    }
    long head = channels(Math.max(1280 * c.width(), 1280 * 0.25), 1);
    x = g.clip(g.conv(x, ch, head, 1, 1, 1, 2), lo, hi);
    String logits = g.dense(g.pooledVector(x), head, c.classes(), 1);
    g.output(logits);
    return renameOutput(g.build("MobileNetV2-like, " + c), logits, "logits");
  }

  /**
   * ResNet-like: stem 3x3 stride-2 conv + ReLU (+ 3x3 stride-2 max pool at 64x64 and above), four
   * stages of basic blocks (3x3 conv + ReLU, 3x3 conv, residual Add, ReLU) with 64, 128, 256, 512
   * channels times the width; each stage after the first starts with a stride-2 block whose
   * shortcut is a 1x1 stride-2 projection. Global average pool and a Gemm classifier. Weights are
   * initializers. Input {@code image} [1,3,R,R], output {@code logits} [1,classes].
   */
  public static ModelProto resNet(Config c) {
    if (c.blocks() > 32) {
      throw new SplitstreamException("generator config " + c.name() + " asks for " + c.blocks()
          + " ResNet blocks: at most 32");
    }
    GraphBuilder g = new GraphBuilder(c.name(), c.seed());
    String x = g.input("image", new long[] {1, 3, c.resolution(), c.resolution()}, null);
    long ch = channels(64, c.width());
    x = g.unary("Relu", g.conv(x, 3, ch, 3, 2, 1, 2));
    if (c.resolution() >= 64) {
      x = g.maxPool(x, 3, 2);
    }
    int stages = Math.min(4, c.blocks());
    int block = 0;
    for (int s = 0; s < stages; s++) {
      int inStage = c.blocks() / stages + (s < c.blocks() % stages ? 1 : 0);
      long out = channels(64 << s, c.width());
      for (int b = 0; b < inStage; b++, block++) {
        int stride = s > 0 && b == 0 ? 2 : 1;
        String y = g.unary("Relu", g.conv(x, ch, out, 3, stride, 1, 2));
        y = g.conv(y, out, out, 3, 1, 1, 0.5);
        String shortcut = stride == 1 && out == ch ? x : g.conv(x, ch, out, 1, stride, 1, 1);
        x = g.unary("Relu", g.binary("Add", y, shortcut));
        ch = out;
      }
    }
    String logits = g.dense(g.pooledVector(x), ch, c.classes(), 1);
    g.output(logits);
    return renameOutput(g.build("ResNet-like, " + c), logits, "logits");
  }

  /**
   * The size of a generated 1-D CNN for windows of samples.
   *
   * @param window samples per window (the time axis)
   * @param channels channels per sample (e.g. 6: a 3-axis accelerometer and gyroscope); 0 for a
   *     mono signal given as [1, window] (audio)
   * @param classes classifier outputs
   */
  public record SignalConfig(String name, int window, int channels, int classes, long seed) {
    public SignalConfig {
      if (window < 8 || channels < 0 || classes < 1) {
        throw new SplitstreamException("generator config " + name + " is not valid: need window >= 8, channels >= 0"
            + " and classes >= 1");
      }
    }
  }

  /** Human-activity recognition in the shape of UCI HAR: 128-sample windows of 6 channels, 6 activities. */
  public static SignalConfig har() {
    return new SignalConfig("har1d", 128, 6, 6, 31);
  }

  /**
   * A 1-D CNN in the shape of human-activity recognition models: input {@code signal} [1, W, C]
   * (time-major, as sensor windows come; {@code channels} 0 takes [1, W] and treats it as one
   * channel) transposed to [1, C, W], three 1-D conv + ReLU layers (64 filters of 5, 64 of 5 stride 2, 96
   * of 3 stride 2), global average pool over time and a Gemm classifier to {@code logits} [1,
   * classes].
   */
  public static ModelProto signal1d(SignalConfig c) {
    GraphBuilder g = new GraphBuilder(c.name(), c.seed());
    String x;
    long ch;
    if (c.channels() == 0) {
      x = g.reshape(g.input("signal", new long[] {1, c.window()}, null), 1, 1, c.window());
      ch = 1;
    } else {
      x = g.transpose(g.input("signal", new long[] {1, c.window(), c.channels()}, null), 0, 2, 1);
      ch = c.channels();
    }
    x = g.unary("Relu", g.conv1d(x, ch, 64, 5, 1, 2));
    x = g.unary("Relu", g.conv1d(x, 64, 64, 5, 2, 2));
    x = g.unary("Relu", g.conv1d(x, 64, 96, 3, 2, 2));
    String logits = g.dense(g.pooledVector(x), 96, c.classes(), 1);
    g.output(logits);
    return renameOutput(g.build("1-D CNN (human-activity recognition shape), " + c), logits, "logits");
  }

  /**
   * Two inputs, two outputs, branches: {@code image} [1,3,16,16] feeds a shared conv whose result
   * feeds an early head ({@code mask} [1,1,16,16], produced near the top, so it is carried to the
   * end across every later cut) and two parallel branches (3x3 conv + ReLU, 1x1 conv + Sigmoid)
   * that are added and pooled; {@code meta} [1,4] goes through a Gemm only near the bottom (so it
   * is carried from the start); both join in a Concat and a Gemm giving {@code logits} [1,5].
   */
  public static ModelProto multiHead(long seed) {
    GraphBuilder g = new GraphBuilder("multi-head", seed);
    String image = g.input("image", new long[] {1, 3, 16, 16}, null);
    String meta = g.input("meta", new long[] {1, 4}, null);
    String feat = g.unary("Relu", g.conv(image, 3, 8, 3, 1, 1, 2));
    String mask = g.unary("Sigmoid", g.conv(feat, 8, 1, 1, 1, 1, 1));
    String a = g.unary("Relu", g.conv(feat, 8, 8, 3, 2, 1, 2));
    String b = g.unary("Sigmoid", g.conv(feat, 8, 8, 1, 2, 1, 1));
    String pooled = g.pooledVector(g.binary("Add", a, b));
    String m = g.unary("Relu", g.dense(meta, 4, 8, 2));
    String logits = g.dense(g.concat(1, pooled, m), 16, 5, 1);
    g.output(logits);
    g.output(mask);
    ModelProto p = renameOutput(g.build("two inputs, two outputs, parallel branches"), logits, "logits");
    return renameOutput(p, mask, "mask");
  }

  /**
   * Fully convolutional with a dynamic batch and spatial size: {@code x} [N,3,H,W] through 3x3
   * conv + ReLU, 3x3 stride-2 conv + ReLU, a depthwise 3x3 conv + ReLU with a residual Add, and a
   * 1x1 conv + Sigmoid to {@code y} [N,4,ceil(H/2),ceil(W/2)]. No static shapes beyond channels.
   */
  public static ModelProto dynamicDims(long seed) {
    GraphBuilder g = new GraphBuilder("dynamic-dims", seed);
    String x = g.input("x", new long[] {-1, 3, -1, -1}, new String[] {"batch", null, "height", "width"});
    String r1 = g.unary("Relu", g.conv(x, 3, 8, 3, 1, 1, 2));
    String r2 = g.unary("Relu", g.conv(r1, 8, 16, 3, 2, 1, 2));
    String d = g.unary("Relu", g.conv(r2, 16, 16, 3, 1, 16, 2));
    String y = g.unary("Sigmoid", g.conv(g.binary("Add", d, r2), 16, 4, 1, 1, 1, 1));
    g.output(y, new long[] {-1, 4, -1, -1}, new String[] {"batch", null, "out_height", "out_width"});
    return renameOutput(g.build("dynamic batch and spatial dimensions"), y, "y");
  }

  /**
   * {@link #dynamicDims}'s kind of input with a 2x nearest upsampling in the middle whose {@code
   * sizes} the graph computes from the input's shape (Shape times [1,1,2,2], no value info), so a
   * cut between them carries a tensor of fixed length 4 next to activations of dynamic size.
   * Input {@code x} [batch,3,height,width], output {@code y} [batch,4,2*height,2*width].
   */
  public static ModelProto dynamicUpsample(long seed) {
    GraphBuilder g = new GraphBuilder("dynamic-upsample", seed);
    String x = g.input("x", new long[] {-1, 3, -1, -1}, new String[] {"batch", null, "height", "width"});
    String r = g.unary("Relu", g.conv(x, 3, 4, 3, 1, 1, 1));
    String sizes = g.untracked("Mul", List.of(g.untracked("Shape", List.of(r)), g.longVector("twice", 1, 1, 2, 2)));
    String y = g.unary("Relu", g.conv(g.resize(List.of(r, "", "", sizes), null), 4, 4, 3, 1, 1, 1));
    g.output(y, new long[] {-1, 4, -1, -1}, new String[] {"batch", null, "out_height", "out_width"});
    return renameOutput(g.build("dynamic input, upsampled to a size computed from its shape"), y, "y");
  }

  /**
   * A small conv net with a GELU-like block in the middle built around the unary op {@code opType}
   * ({@code Erf} by default, or e.g. {@code Sin}): {@code x * 0.5 * (1 + op(x / sqrt 2))}. A test
   * processor that declares {@code opType} unsupported must refuse exactly the segments holding it.
   * Input {@code image} [1,3,16,16], output {@code logits} [1,4].
   */
  public static ModelProto withOp(String opType, long seed) {
    GraphBuilder g = new GraphBuilder("op-" + opType.toLowerCase(Locale.ROOT), seed);
    String x = g.input("image", new long[] {1, 3, 16, 16}, null);
    x = g.unary("Relu", g.conv(x, 3, 8, 3, 1, 1, 2));
    x = g.conv(x, 8, 8, 1, 1, 1, 1);
    String inner = g.unary(opType, g.binary("Div", x, g.scalar("sqrt2", (float) Math.sqrt(2))));
    String gated = g.binary("Mul", g.binary("Mul", x, g.binary("Add", inner, g.scalar("one", 1f))),
        g.scalar("half", 0.5f));
    x = g.unary("Relu", g.conv(gated, 8, 8, 3, 2, 1, 2));
    String logits = g.dense(g.pooledVector(x), 8, 4, 1);
    g.output(logits);
    return renameOutput(g.build("conv net with " + opType + " in the middle"), logits, "logits");
  }

  /**
   * A chain of {@code nodes} nodes (at least 3) whose one Gemm holds nearly all the FLOPs: {@code
   * x} [1,1024] through a ReLU, a 1024x1024 Gemm (about 2.1 MFLOPs), then alternating Sigmoid and
   * ReLU nodes (1,024 FLOPs each) to {@code y} [1,1024]. Block boundaries chosen by FLOPs alone
   * all fall at the Gemm; a profiler must spread them over the rest of the graph too.
   */
  public static ModelProto oneHeavyGemm(int nodes, long seed) {
    if (nodes < 3) {
      throw new IllegalArgumentException("oneHeavyGemm needs at least 3 nodes, got " + nodes);
    }
    GraphBuilder g = new GraphBuilder("one-heavy-gemm", seed);
    String x = g.input("x", new long[] {1, 1024}, null);
    x = g.dense(g.unary("Relu", x), 1024, 1024, 1);
    for (int i = 2; i < nodes; i++) {
      x = g.unary(i % 2 == 0 ? "Sigmoid" : "Relu", x);
    }
    g.output(x);
    return renameOutput(g.build("one Gemm with nearly all the FLOPs, then " + (nodes - 2) + " cheap nodes"), x, "y");
  }

  /** How a model from {@link #optionalInputs} leaves out the optional inputs it does not use. */
  public enum Omitted {
    /** Resize(x, "", scales): roi named by an empty string, sizes left off the end. */
    RESIZE_EMPTY_NAMES,
    /** Resize(x, roi, scales) with roi an initializer of no elements. */
    RESIZE_EMPTY_ROI_INITIALIZER,
    /** Resize(x, "", "", sizes): scales named by an empty string. */
    RESIZE_SIZES_AFTER_EMPTY_NAMES,
    /** Resize(x, roi, scales, sizes) with roi and scales Constant nodes of no elements (opset 11 exports). */
    RESIZE_EMPTY_CONSTANTS_THEN_SIZES,
    /** Resize(x, roi, scales) with roi a Constant node of no elements, at opset 11 (PaddleOCR exports). */
    RESIZE_EMPTY_ROI_CONSTANT_OPSET_11,
    /** Clip(x, "", max): the min bound named by an empty string. */
    CLIP_EMPTY_MIN,
    /**
     * Resize(x, "", "", sizes) with sizes computed in the graph, Shape(x) times [1,1,2,2], and no
     * value info for it (what an interpolate to a size relative to the input exports to).
     */
    RESIZE_SIZES_FROM_SHAPE
  }

  /**
   * A small conv net with one node whose optional inputs are omitted the way {@code how} says,
   * in the middle, between convs, so every cut puts it in a different segment: conv, ReLU, the node
   * (a 2x nearest upsampling or a Clip at 1), conv, ReLU, global pool and Gemm. Input {@code image}
   * [1,3,8,8], output {@code logits} [1,4].
   */
  public static ModelProto optionalInputs(Omitted how, long seed) {
    GraphBuilder g = new GraphBuilder("optional-" + how.name().toLowerCase(Locale.ROOT).replace('_', '-'), seed,
        how.name().endsWith("OPSET_11") ? 11 : GraphBuilder.OPSET);
    String x = g.input("image", new long[] {1, 3, 8, 8}, null);
    x = g.unary("Relu", g.conv(x, 3, 4, 3, 1, 1, 2));
    int f = io.splitstream.devices.onnx.proto.Onnx.TensorProto.DataType.FLOAT_VALUE;
    long[] up = {1, 4, 16, 16};
    x = switch (how) {
      case RESIZE_EMPTY_NAMES -> g.resize(List.of(x, "", g.floatVector("scales", 1, 1, 2, 2)), up);
      case RESIZE_EMPTY_ROI_INITIALIZER -> g.resize(List.of(x, g.emptyInitializer("roi", f),
          g.floatVector("scales", 1, 1, 2, 2)), up);
      case RESIZE_SIZES_AFTER_EMPTY_NAMES -> g.resize(List.of(x, "", "", g.longVector("sizes", 1, 4, 16, 16)), up);
      case RESIZE_EMPTY_CONSTANTS_THEN_SIZES -> g.resize(List.of(x, g.emptyConstant("roi", f),
          g.emptyConstant("scales", f), g.longVector("sizes", 1, 4, 16, 16)), up);
      case RESIZE_EMPTY_ROI_CONSTANT_OPSET_11 -> g.resize(List.of(x, g.emptyConstant("roi", f),
          g.floatVector("scales", 1, 1, 2, 2)), up);
      case CLIP_EMPTY_MIN -> g.clip(x, "", g.scalar("one", 1f));
      case RESIZE_SIZES_FROM_SHAPE -> g.resize(List.of(x, "", "",
          g.untracked("Mul", List.of(g.untracked("Shape", List.of(x)), g.longVector("twice", 1, 1, 2, 2)))), up);
    };
    x = g.unary("Relu", g.conv(x, 4, 4, 3, 2, 1, 2));
    String logits = g.dense(g.pooledVector(x), 4, 4, 1);
    g.output(logits);
    return renameOutput(g.build("conv net with optional inputs omitted: " + how), logits, "logits");
  }

  /** {@link #withOp} with {@code Erf}. */
  public static ModelProto unsupportedOp(long seed) {
    return withOp("Erf", seed);
  }

  /**
   * Writes {@code model} to {@code file} through a temporary file and a move, creating parent
   * folders.
   *
   * @throws SplitstreamException naming the file when it cannot be written
   */
  public static void write(ModelProto model, Path file) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".gen-", ".onnx");
      Files.write(tmp, model.toByteArray());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new SplitstreamException("cannot write model file " + file + ": " + e.getMessage()
          + "; check the folder exists and is writable", e);
    }
  }

  /** Channels times the width, rounded to a multiple of 8 (at least 8), as MobileNet does. */
  static long channels(double base, double width) {
    return Math.max(8, Math.round(base * width / 8) * 8);
  }

  /** Gives the graph output a stable public name by renaming the tensor everywhere. */
  static ModelProto renameOutput(ModelProto m, String from, String to) {
    var g = m.getGraph().toBuilder();
    for (int i = 0; i < g.getNodeCount(); i++) {
      var n = g.getNode(i);
      if (n.getOutputList().contains(from) || n.getInputList().contains(from)) {
        var nb = n.toBuilder().clearOutput().clearInput();
        n.getInputList().forEach(s -> nb.addInput(s.equals(from) ? to : s));
        n.getOutputList().forEach(s -> nb.addOutput(s.equals(from) ? to : s));
        g.setNode(i, nb);
      }
    }
    for (int i = 0; i < g.getOutputCount(); i++) {
      if (g.getOutput(i).getName().equals(from)) {
        g.setOutput(i, g.getOutput(i).toBuilder().setName(to));
      }
    }
    return m.toBuilder().setGraph(g).build();
  }
}
