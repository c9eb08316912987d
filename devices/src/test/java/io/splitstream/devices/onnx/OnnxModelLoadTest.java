package io.splitstream.devices.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.StringStringEntryProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import io.splitstream.devices.tensor.ElementType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelLoadTest {
  @TempDir Path dir;

  private static final String CORRUPT = "is not a valid ONNX model (truncated or corrupt: ";
  private static final String REMEDY = "): re-fetch it or re-export it";

  @Test
  void loadsARealModelWithItsDeclaredInputsAndOutputs() {
    OnnxModel m = TestModels.blazeface();
    assertThat(m.name()).isEqualTo("blazeface");
    assertThat(m.format()).isEqualTo(ModelFormat.ONNX);
    assertThat(m.inputs()).hasSize(1);
    assertThat(m.inputs().get(0).name()).isEqualTo("input:0");
    assertThat(m.inputs().get(0).type()).isEqualTo(ElementType.FLOAT32);
    assertThat(m.inputs().get(0).shape()).containsExactly(1L, 128L, 128L, 3L);
    assertThat(m.outputs()).hasSize(4);
    assertThat(m.nodeCount()).isEqualTo(104);
  }

  @Test
  void dynamicDimensionsAreDeclaredAsMinusOne() {
    assertThat(TestModels.ppocrDet().inputs().get(0).shape()).containsExactly(-1L, 3L, -1L, -1L);
  }

  @Test
  void wholeIsTheFileItselfWithTheCostOfAllNodes() {
    OnnxModel m = TestModels.mobileNetSmall();
    var whole = m.whole();
    assertThat(whole.bytes()).isEqualTo(m.bytes());
    assertThat(whole.label()).isEqualTo("mobilenet-small[0:" + m.nodeCount() + "]");
    assertThat(whole.cost()).isEqualTo(m.graph().totalCost());
    assertThat(whole.opTypes()).contains("Conv", "Clip", "Add", "Gemm", "Constant");
    assertThat(m.cut()).singleElement().satisfies(s -> {
      assertThat(s.label()).isEqualTo(whole.label());
      assertThat(s.bytes()).isEqualTo(whole.bytes());
    });
    assertThat(m.cut("  ")).singleElement().extracting(s -> s.label()).isEqualTo(whole.label());
  }

  @Test
  void missingFileIsNamed() {
    Path p = dir.resolve("nope.onnx");
    assertThatThrownBy(() -> OnnxModel.load(p))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("model file " + p + " not found: ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aDirectoryIsNotAModel() {
    assertThatThrownBy(() -> OnnxModel.load(dir))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("model path " + dir + " is a directory: name an .onnx file");
  }

  @Test
  void truncatedRealModelIsCorrupt() throws Exception {
    byte[] full = Files.readAllBytes(TestModels.blazeface().path());
    for (int keep : new int[] {full.length / 2, full.length - 1, 100}) {
      Path p = Files.write(dir.resolve("cut" + keep + ".onnx"), Arrays.copyOf(full, keep));
      assertThatThrownBy(() -> OnnxModel.load(p))
          .isInstanceOf(SplitstreamException.class)
          .hasMessageStartingWith("model file " + p + " " + CORRUPT)
          .hasMessageEndingWith(REMEDY)
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void randomBytesAndEmptyFilesAreCorrupt() throws Exception {
    Random rnd = new Random(42);
    for (int i = 0; i < 30; i++) {
      byte[] junk = new byte[1 + rnd.nextInt(4096)];
      rnd.nextBytes(junk);
      assertThatThrownBy(() -> OnnxModel.parse("junk", junk))
          .isInstanceOf(SplitstreamException.class)
          .hasMessageStartingWith("model file junk " + CORRUPT)
          .hasMessageNotContaining("\n");
    }
    Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
    assertThatThrownBy(() -> OnnxModel.load(empty)).hasMessageContaining(CORRUPT + "it has no graph");
  }

  @Test
  void aModelCutShortAtAFieldBoundaryIsStillCaught() {
    // a prefix that ends exactly after the graph parses, but has lost its opset imports
    ModelProto m = OnnxModelGenerator.multiHead(1);
    byte[] noOpset = m.toBuilder().clearOpsetImport().build().toByteArray();
    assertThatThrownBy(() -> OnnxModel.parse("m", noOpset)).hasMessageContaining(CORRUPT + "it imports no operator set");
    ModelProto noOutputs = m.toBuilder().setGraph(m.getGraph().toBuilder().clearOutput()).build();
    assertThatThrownBy(() -> OnnxModel.parse("m", noOutputs.toByteArray())).hasMessageContaining("its graph has no outputs");
  }

  @Test
  void aNodeReadingATensorNobodyMakesIsCorrupt() {
    ModelProto m = OnnxModelGenerator.multiHead(1);
    GraphProto g = m.getGraph().toBuilder().removeNode(1).build();
    assertThatThrownBy(() -> OnnxModel.parse("m", m.toBuilder().setGraph(g).build().toByteArray()))
        .hasMessageContaining(CORRUPT + "node 'conv2' (Conv) reads tensor 'relu1.out' that no node, input or initializer provides");
  }

  @Test
  void aCycleIsCorrupt() {
    ModelProto m = OnnxModelGenerator.multiHead(1);
    GraphProto.Builder g = m.getGraph().toBuilder();
    // conv1 now also reads relu1's output, which depends on conv1
    NodeProto conv1 = g.getNode(0);
    g.setNode(0, conv1.toBuilder().setInput(0, "relu1.out"));
    assertThatThrownBy(() -> OnnxModel.parse("m", m.toBuilder().setGraph(g).build().toByteArray()))
        .hasMessageContaining(CORRUPT + "its graph has a cycle through node 'conv1'");
  }

  @Test
  void externalDataIsRefusedWithARemedy() {
    ModelProto m = OnnxModelGenerator.multiHead(1);
    GraphProto.Builder g = m.getGraph().toBuilder();
    TensorProto w = g.getInitializer(0);
    g.setInitializer(0, w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")));
    assertThatThrownBy(() -> OnnxModel.parse("m", m.toBuilder().setGraph(g).build().toByteArray()))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("model file m keeps tensor '" + w.getName() + "' in an external data file, which Splitstream does "
            + "not support: re-export the model with its weights embedded");
  }

  @Test
  void inputShapesThatContradictTheModelAreRefused() {
    OnnxModel m = TestModels.blazeface();
    assertThatThrownBy(() -> m.withInputShapes(InputShapes.parse("input:0=1,3,128,128")))
        .hasMessageStartingWith("input shape input:0=1,3,128,128 does not fit blazeface, which declares input:0 as "
            + "[1,128,128,3]");
    assertThatThrownBy(() -> m.withInputShapes(InputShapes.parse("x=1,3")))
        .hasMessage("input shape names 'x' but blazeface has inputs input:0: use those names");
  }

  @Test
  void aModelThatCannotRunAtTheDefaultShapesSaysWhichShapesToGive() {
    // dynamic-dims at 1x3x1x1 runs; a 3x3 stride-2 conv without padding on 1x1 does not
    ModelProto m = OnnxModelGenerator.dynamicDims(1);
    GraphProto.Builder g = m.getGraph().toBuilder();
    NodeProto conv = g.getNode(2);
    NodeProto.Builder nb = conv.toBuilder().clearAttribute();
    conv.getAttributeList().stream().filter(a -> !a.getName().equals("pads")).forEach(nb::addAttribute);
    g.setNode(2, nb);
    OnnxModel bad = OnnxModel.parse("tiny", m.toBuilder().setGraph(g).build().toByteArray());
    assertThatThrownBy(bad::graph)
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("tiny could not run in ONNX Runtime with input shapes x=1,3,1,1 (dynamic dimensions taken as 1): ")
        .hasMessageContaining("; give concrete input shapes such as --input-shape x=1,3,224,224")
        .hasMessageNotContaining("\n");
    assertThat(bad.withInputShapes(InputShapes.parse("x=1,3,16,16")).graph().size()).isEqualTo(9);
  }

  @Test
  void declaredOutputsListEveryOutputInOrder() {
    assertThat(TestModels.multiHead().outputs()).extracting(s -> s.name()).containsExactly("logits", "mask");
    assertThat(TestModels.multiHead().inputs()).extracting(s -> s.name()).containsExactly("image", "meta");
    assertThat(List.copyOf(TestModels.multiHead().graph().inputs()).get(1).shape()).containsExactly(1L, 4L);
  }
}
