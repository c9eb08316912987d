package io.splitstream.devices.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.TestModels;
import io.splitstream.devices.tflite.TfliteModel;
import io.splitstream.devices.tflite.TinyTflite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FormatMatchTest {
  @TempDir Path dir;

  @Test
  void theDefaultHostProcessorIsTheOneThatRunsTheFormat() {
    assertThat(FormatMatch.hostDefaults(ModelFormat.TFLITE)).containsExactly("tflite");
    assertThat(FormatMatch.hostDefaults(ModelFormat.ONNX)).containsExactly("cpu");
  }

  @Test
  void aTfliteModelOnOnnxRuntimeNamesTheTfliteProcessor() {
    Model faceShort = TfliteModel.load(TestModels.path("face-short"));
    try (Platform cpu = Platforms.host(List.of("cpu"), 1)) {
      assertThatThrownBy(() -> FormatMatch.requireRunnable(faceShort, cpu))
          .isInstanceOf(SplitstreamException.class)
          .hasMessage(faceShort.name() + " is a TFLite model, which none of the processors cpu runs: add tflite to "
              + "--processors (e.g. --processors tflite)");
    }
    try (Platform both = Platforms.host(List.of("cpu", "tflite"), 1)) {
      assertThatCode(() -> FormatMatch.requireRunnable(faceShort, both)).doesNotThrowAnyException();
    }
    try (Platform soc = Platforms.emulated("sd855-pixel4", 1, false)) {
      assertThatCode(() -> FormatMatch.requireRunnable(faceShort, soc)).doesNotThrowAnyException();
    }
  }

  @Test
  void anOnnxModelOnTheTfliteInterpreterNamesTheCpu() {
    Model blaze = OnnxModel.load(TestModels.path("blazeface"));
    try (Platform tflite = Platforms.host(List.of("tflite"), 1)) {
      assertThatThrownBy(() -> FormatMatch.requireRunnable(blaze, tflite))
          .hasMessage(blaze.name() + " is an ONNX model, which none of the processors tflite runs: add cpu to "
              + "--processors (e.g. --processors cpu)");
    }
  }

  @Test
  void anOpNoProcessorHasIsNamed() throws Exception {
    Path f = Files.write(dir.resolve("custom.tflite"), TinyTflite.withCustomOp("SplitstreamNoSuchOp"));
    Model custom = TfliteModel.load(f);
    try (Platform tflite = Platforms.host(List.of("tflite"), 1)) {
      assertThatThrownBy(() -> FormatMatch.requireRunnable(custom, tflite))
          .isInstanceOf(SplitstreamException.class)
          .hasMessage("custom holds op SplitstreamNoSuchOp, which no processor here supports (tflite), so nothing can "
              + "run it: this TFLite interpreter lacks it (a custom op, or a builtin newer than the runtime); "
              + "re-export the model without it");
    }
  }
}
