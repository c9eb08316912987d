package io.splitstream.devices.onnx.gen;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import java.util.List;

/**
 * Published image classifiers at their published layer shapes, for checking emulated latencies
 * against the figures in ../shared/research/SOC-FACTS.md: the same convolutions, strides,
 * channels and input size as the papers, so FLOPs and op mix match; batch norm is folded into the
 * convolutions (as the TFLite models have it), activations follow each conv. Weights are drawn from
 * a seed (deterministic), or left out ({@code withWeights = false}): initializers then carry only
 * their shapes, enough for {@link io.splitstream.devices.onnx.StaticCost} but not for ONNX
 * Runtime (ResNet50's weights are about 100 MB, Inception-V4's about 170 MB). Float32 NCHW,
 * 1000 classes (Inception-V4: 1001, as TF-slim). Stateless.
 */
public final class Architectures {
  /** The names {@link #build} knows. */
  public static final List<String> NAMES = List.of("mobilenetv1", "mobilenetv2", "squeezenet", "resnet50",
      "inceptionv4");

  private Architectures() {}

  /**
   * The architecture called {@code name} (one of {@link #NAMES}).
   *
   * @throws SplitstreamException for another name, listing the valid ones
   */
  public static ModelProto build(String name, boolean withWeights, long seed) {
    return switch (name) {
      case "mobilenetv1" -> mobileNetV1(withWeights, seed);
      case "mobilenetv2" -> OnnxModelGenerator.mobileNetV2(
          new OnnxModelGenerator.Config("mobilenetv2", 17, 1.0, 224, 1000, seed), withWeights);
      case "squeezenet" -> squeezeNet(withWeights, seed);
      case "resnet50" -> resNet50(withWeights, seed);
      case "inceptionv4" -> inceptionV4(withWeights, seed);
      default -> throw new SplitstreamException("unknown architecture '" + name + "': use one of "
          + String.join(", ", NAMES));
    };
  }

  /**
   * MobileNetV1 1.0 at 224x224 (Howard et al. 2017, Table 1): a 3x3 stride-2 conv of 32, then 13
   * depthwise 3x3 + pointwise 1x1 pairs (64, 128, 128, 256, 256, 512 x6, 1024, 1024; stride 2 at
   * the 2nd, 4th, 6th and 12th), each conv followed by ReLU6; global average pool; FC 1024 to 1000.
   * 0.569 G multiply-adds.
   */
  static ModelProto mobileNetV1(boolean withWeights, long seed) {
    GraphBuilder g = new GraphBuilder("mobilenetv1", seed, withWeights);
    String x = g.input("image", new long[] {1, 3, 224, 224}, null);
    String lo = g.constantScalar("relu6.min", 0f);
    String hi = g.constantScalar("relu6.max", 6f);
    long ch = 32;
    x = g.clip(g.conv(x, 3, ch, 3, 2, 1, 2), lo, hi);
    long[] outs = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
    int[] strides = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
    for (int i = 0; i < outs.length; i++) {
      x = g.clip(g.conv(x, ch, ch, 3, strides[i], ch, 2), lo, hi);
      x = g.clip(g.conv(x, ch, outs[i], 1, 1, 1, 2), lo, hi);
      ch = outs[i];
    }
    return finish(g, g.dense(g.pooledVector(x), ch, 1000, 1), "MobileNetV1 1.0 224");
  }

  /**
   * SqueezeNet v1.0 at 224x224 (Iandola et al. 2016, Table 1): conv1 7x7/2 96, maxpool 3x3/2,
   * fire2-4, maxpool, fire5-8, maxpool, fire9 (squeeze 1x1 s, expand 1x1 e and 3x3 e, concatenated;
   * s/e = 16/64, 16/64, 32/128, 32/128, 48/192, 48/192, 64/256, 64/256), conv10 1x1 to 1000, global
   * average pool. ReLU after every conv. The max pools round up (Caffe's pooling, kept by torchvision),
   * so fire5-8 run at 27x27 and fire9 at 13x13 as in Table 1 (conv1 gives 109x109 at 224, not the
   * table's 111 from Caffe's 227 input). 0.82 G multiply-adds (torchvision's squeezenet1_0 figure).
   */
  static ModelProto squeezeNet(boolean withWeights, long seed) {
    GraphBuilder g = new GraphBuilder("squeezenet", seed, withWeights);
    String x = g.input("image", new long[] {1, 3, 224, 224}, null);
    x = g.unary("Relu", g.conv(x, 3, 96, 7, 7, 2, 0, 0, 1, 2));
    x = g.pool("MaxPool", x, 3, 2, 0, true);
    long ch = 96;
    long[][] fires = {{16, 64}, {16, 64}, {32, 128}, {32, 128}, {48, 192}, {48, 192}, {64, 256}, {64, 256}};
    for (int i = 0; i < fires.length; i++) {
      String s = g.unary("Relu", g.conv(x, ch, fires[i][0], 1, 1, 1, 2));
      String e1 = g.unary("Relu", g.conv(s, fires[i][0], fires[i][1], 1, 1, 1, 2));
      String e3 = g.unary("Relu", g.conv(s, fires[i][0], fires[i][1], 3, 1, 1, 2));
      x = g.concat(1, e1, e3);
      ch = 2 * fires[i][1];
      if (i == 2 || i == 6) {
        x = g.pool("MaxPool", x, 3, 2, 0, true);
      }
    }
    x = g.unary("Relu", g.conv(x, ch, 1000, 1, 1, 1, 2));
    return finish(g, g.pooledVector(x), "SqueezeNet v1.0 224");
  }

  /**
   * ResNet50 at 224x224 (He et al. 2016, Table 1; stride in the 3x3 conv, as torchvision and
   * Paddle): conv 7x7/2 64, maxpool 3x3/2, bottleneck stages of 3, 4, 6, 3 blocks (1x1 w, 3x3 w,
   * 1x1 4w with w = 64, 128, 256, 512; 1x1 projection on each stage's first block), ReLU after each
   * conv and each residual Add; global average pool; FC 2048 to 1000. 4.09 G multiply-adds.
   */
  static ModelProto resNet50(boolean withWeights, long seed) {
    GraphBuilder g = new GraphBuilder("resnet50", seed, withWeights);
    String x = g.input("image", new long[] {1, 3, 224, 224}, null);
    x = g.unary("Relu", g.conv(x, 3, 64, 7, 2, 1, 2));
    x = g.maxPool(x, 3, 2);
    long ch = 64;
    int[] blocks = {3, 4, 6, 3};
    for (int s = 0; s < 4; s++) {
      long w = 64L << s;
      for (int b = 0; b < blocks[s]; b++) {
        int stride = s > 0 && b == 0 ? 2 : 1;
        String y = g.unary("Relu", g.conv(x, ch, w, 1, 1, 1, 2));
        y = g.unary("Relu", g.conv(y, w, w, 3, stride, 1, 2));
        y = g.conv(y, w, 4 * w, 1, 1, 1, 0.5);
        String shortcut = b == 0 ? g.conv(x, ch, 4 * w, 1, stride, 1, 1) : x;
        x = g.unary("Relu", g.binary("Add", y, shortcut));
        ch = 4 * w;
      }
    }
    return finish(g, g.dense(g.pooledVector(x), ch, 1000, 1), "ResNet50 224");
  }

  /**
   * Inception-V4 at 299x299 (Szegedy et al. 2017, Figs. 3-9; the TFLite model of the fact sheet
   * takes 299x299): the stem to 384 x 35 x 35, 4 Inception-A, Reduction-A (k, l, m, n = 192, 224,
   * 256, 384), 7 Inception-B, Reduction-B, 3 Inception-C, global average pool, FC 1536 to 1001.
   * ReLU after every conv. About 12.3 G multiply-adds.
   */
  static ModelProto inceptionV4(boolean withWeights, long seed) {
    GraphBuilder g = new GraphBuilder("inceptionv4", seed, withWeights);
    Inception n = new Inception(g);
    String x = g.input("image", new long[] {1, 3, 299, 299}, null);
    x = n.conv(x, 3, 32, 3, 3, 2, false);
    x = n.conv(x, 32, 32, 3, 3, 1, false);
    x = n.conv(x, 32, 64, 3, 3, 1, true);
    x = g.concat(1, g.pool("MaxPool", x, 3, 2, 0), n.conv(x, 64, 96, 3, 3, 2, false));
    String a = n.conv(n.conv(x, 160, 64, 1, 1, 1, true), 64, 96, 3, 3, 1, false);
    String b = n.conv(x, 160, 64, 1, 1, 1, true);
    b = n.conv(n.conv(n.conv(b, 64, 64, 7, 1, 1, true), 64, 64, 1, 7, 1, true), 64, 96, 3, 3, 1, false);
    x = g.concat(1, a, b);
    x = g.concat(1, n.conv(x, 192, 192, 3, 3, 2, false), g.pool("MaxPool", x, 3, 2, 0));
    for (int i = 0; i < 4; i++) {
      String p = n.conv(g.pool("AveragePool", x, 3, 1, 1), 384, 96, 1, 1, 1, true);
      String c1 = n.conv(x, 384, 96, 1, 1, 1, true);
      String c3 = n.conv(n.conv(x, 384, 64, 1, 1, 1, true), 64, 96, 3, 3, 1, true);
      String c5 = n.conv(n.conv(n.conv(x, 384, 64, 1, 1, 1, true), 64, 96, 3, 3, 1, true), 96, 96, 3, 3, 1, true);
      x = g.concat(1, p, c1, c3, c5);
    }
    String ra = n.conv(n.conv(n.conv(x, 384, 192, 1, 1, 1, true), 192, 224, 3, 3, 1, true), 224, 256, 3, 3, 2, false);
    x = g.concat(1, g.pool("MaxPool", x, 3, 2, 0), n.conv(x, 384, 384, 3, 3, 2, false), ra);
    for (int i = 0; i < 7; i++) {
      String p = n.conv(g.pool("AveragePool", x, 3, 1, 1), 1024, 128, 1, 1, 1, true);
      String c1 = n.conv(x, 1024, 384, 1, 1, 1, true);
      String c7 = n.conv(n.conv(n.conv(x, 1024, 192, 1, 1, 1, true), 192, 224, 1, 7, 1, true), 224, 256, 7, 1, 1, true);
      String d = n.conv(n.conv(x, 1024, 192, 1, 1, 1, true), 192, 192, 1, 7, 1, true);
      d = n.conv(n.conv(n.conv(d, 192, 224, 7, 1, 1, true), 224, 224, 1, 7, 1, true), 224, 256, 7, 1, 1, true);
      x = g.concat(1, p, c1, c7, d);
    }
    String rb1 = n.conv(n.conv(x, 1024, 192, 1, 1, 1, true), 192, 192, 3, 3, 2, false);
    String rb2 = n.conv(n.conv(n.conv(x, 1024, 256, 1, 1, 1, true), 256, 256, 1, 7, 1, true), 256, 320, 7, 1, 1, true);
    rb2 = n.conv(rb2, 320, 320, 3, 3, 2, false);
    x = g.concat(1, g.pool("MaxPool", x, 3, 2, 0), rb1, rb2);
    for (int i = 0; i < 3; i++) {
      String p = n.conv(g.pool("AveragePool", x, 3, 1, 1), 1536, 256, 1, 1, 1, true);
      String c1 = n.conv(x, 1536, 256, 1, 1, 1, true);
      String m = n.conv(x, 1536, 384, 1, 1, 1, true);
      String m1 = n.conv(m, 384, 256, 1, 3, 1, true);
      String m2 = n.conv(m, 384, 256, 3, 1, 1, true);
      String d = n.conv(n.conv(n.conv(x, 1536, 384, 1, 1, 1, true), 384, 448, 3, 1, 1, true), 448, 512, 1, 3, 1, true);
      x = g.concat(1, p, c1, m1, m2, n.conv(d, 512, 256, 1, 3, 1, true), n.conv(d, 512, 256, 3, 1, 1, true));
    }
    return finish(g, g.dense(g.pooledVector(x), 1536, 1001, 1), "Inception-V4 299");
  }

  /** Conv + ReLU with SAME (true) or VALID padding, for Inception's many branches. */
  private record Inception(GraphBuilder g) {
    String conv(String x, long cin, long cout, int kh, int kw, int stride, boolean same) {
      return g.unary("Relu", g.conv(x, cin, cout, kh, kw, stride, same ? kh / 2 : 0, same ? kw / 2 : 0, 1, 2));
    }
  }

  private static ModelProto finish(GraphBuilder g, String logits, String doc) {
    g.output(logits);
    return OnnxModelGenerator.renameOutput(g.build(doc + " (layer shapes as published; weights generated)"), logits,
        "logits");
  }
}
