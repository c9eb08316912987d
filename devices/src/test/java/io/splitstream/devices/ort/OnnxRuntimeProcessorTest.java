package io.splitstream.devices.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.devices.processor.TestModels;
import io.splitstream.devices.processor.TinyOnnx;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OnnxRuntimeProcessorTest {
  @Test
  void missingProviderSaysWhatTheBuildHasAndWhatToInstall() {
    assertThat(ExecutionProvider.CUDA.available()).isFalse();
    assertThatThrownBy(() -> OnnxRuntimeProcessor.withProvider("gpu", ProcessorKind.GPU, "cuda", 2, false))
        .isInstanceOfSatisfying(ProviderUnavailableException.class, e -> assertThat(e.provider()).isEqualTo("cuda"))
        .hasMessageStartingWith("execution provider CUDA is not in this ONNX Runtime build (it has: CPU")
        .hasMessageContaining("onnxruntime_gpu with CUDA 12 and cuDNN 9")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> OnnxRuntimeProcessor.withProvider("trt", ProcessorKind.GPU, "TensorRT", 2, false))
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("TENSOR_RT")
        .hasMessageContaining("libnvinfer.so.10");
  }

  @Test
  void unknownProviderListsTheNames() {
    assertThatThrownBy(() -> OnnxRuntimeProcessor.withProvider("x", ProcessorKind.GPU, "vulkan", 1, false))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("unknown execution provider 'vulkan'")
        .hasMessageContaining("cuda, tensorrt, openvino");
  }

  @Test
  void providerNamesAcceptCommonSpellings() {
    assertThat(ExecutionProvider.byName("TRT")).isEqualTo(ExecutionProvider.TENSORRT);
    assertThat(ExecutionProvider.byName("open_vino")).isEqualTo(ExecutionProvider.OPENVINO);
    assertThat(ExecutionProvider.byName("CoreML")).isEqualTo(ExecutionProvider.COREML);
    assertThat(OnnxRuntimeProcessor.withProvider("c", ProcessorKind.CPU, "cpu", 1, false).provider())
        .isEqualTo(ExecutionProvider.CPU);
  }

  @Test
  void wrongShapeOrTypeOrMissingInputIsOneLineNamingIt() {
    Segment s = TinyOnnx.convReluAdd();
    try (LoadedSegment l = OnnxRuntimeProcessor.cpu("cpu", 1).load(s)) {
      assertThatThrownBy(() -> l.run(TensorMap.of("x", Tensor.ofFloats(new long[] {1, 3, 8, 8}, new float[192]))))
          .isInstanceOf(SplitstreamException.class)
          .hasMessage("input 'x' of segment conv-relu-add[0:3] has shape [1, 3, 8, 8], expected [1, 3, 16, 16]: "
              + "resize the input to match");
      assertThatThrownBy(() -> l.run(TensorMap.of("x", Tensor.zeros(ElementType.INT32, new long[] {1, 3, 16, 16}))))
          .hasMessageContaining("is INT32, expected FLOAT32");
      assertThatThrownBy(() -> l.run(TensorMap.empty()))
          .hasMessageContaining("needs input 'x'");
    }
  }

  @Test
  void tfliteSegmentIsRefusedWithTheRemedy() {
    Segment tfl = new Segment("m", 0, 1, 0, 1, ModelFormat.TFLITE, new byte[] {0}, List.of(), List.of(), Set.of(),
        SegmentCost.zero());
    assertThatThrownBy(() -> OnnxRuntimeProcessor.cpu("cpu", 1).load(tfl))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("is TFLITE, but processor 'cpu' runs ONNX only");
  }

  @Test
  void expectedServiceTimeIsTheMeanOfMeasuredRuns() {
    ProcessorContract.Sample s = ProcessorContract.tinyOnnxSample();
    try (LoadedSegment l = OnnxRuntimeProcessor.cpu("cpu", 1).load(s.segment())) {
      assertThat(l.expectedServiceTime()).isZero();
      long a = l.run(s.inputs()).serviceNanos();
      long b = l.run(s.inputs()).serviceNanos();
      assertThat(l.expectedServiceTime().toNanos()).isEqualTo((a + b) / 2);
    }
  }

  /** PP-OCR's output shape depends on the input, so it takes the copy-out path, not pinned buffers. */
  @Test
  void dynamicShapedRealModelMatchesTheReference() throws Exception {
    byte[] bytes = Files.readAllBytes(TestModels.path("ppocr-det"));
    TensorSpec in = new TensorSpec("x", ElementType.FLOAT32, List.of(1L, 3L, 64L, 64L));
    Segment s = new Segment("ppocr-det", 0, 1, 0, 1, ModelFormat.ONNX, bytes, List.of(in), List.of(), Set.of(),
        SegmentCost.zero());
    TensorMap input = ProcessorContract.randomInputs(s, 3);
    TensorMap reference = ProcessorContract.onnxRuntimeReference(s, input);
    try (LoadedSegment l = OnnxRuntimeProcessor.cpu("cpu", 2).load(s)) {
      TensorMap out = l.run(input).outputs();
      assertThat(out.names()).containsExactlyElementsOf(reference.names());
      String name = reference.names().iterator().next();
      assertThat(out.get(name).shape()).containsExactly(1, 1, 64, 64);
      assertThat(out.get(name).maxAbsDiff(reference.get(name))).isLessThanOrEqualTo(1e-5);
    }
  }
}
