package io.splitstream.devices.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.ort.ProviderUnavailableException;
import io.splitstream.devices.processor.Interconnect;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlatformsTest {
  @Test
  void emulatedPlatformHasTheProfilesProcessorsAndLinks() {
    try (Platform p = Platforms.emulated("kirin990-mate30", 1, false)) {
      assertThat(p.name()).isEqualTo("kirin990-mate30");
      assertThat(p.emulated()).isTrue();
      assertThat(p.description()).startsWith("emulated HiSilicon Kirin 990 (Huawei Mate 30)");
      assertThat(p.processors()).extracting(Processor::id).containsExactly("cpu", "gpu", "npu");
      assertThat(p.processors()).extracting(Processor::kind)
          .containsExactly(ProcessorKind.CPU, ProcessorKind.GPU, ProcessorKind.NPU);
      assertThat(p.processors()).allMatch(Processor::emulated);
      assertThat(p.interconnect().transferNanos(p.processor("cpu"), p.processor("npu"), 0)).isEqualTo(300_000);
    }
  }

  @Test
  void unknownProfileListsTheValidIds() {
    assertThatThrownBy(() -> Platforms.emulated("pixel9", 1, true))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("unknown SoC profile 'pixel9': valid ids are sd855-pixel4");
  }

  @Test
  void hostPlatformFromSpecs() {
    try (Platform p = Platforms.host(List.of("cpu:1", "tflite"), 2)) {
      assertThat(p.emulated()).isFalse();
      assertThat(p.interconnect()).isSameAs(Interconnect.SHARED_MEMORY);
      assertThat(p.processors()).extracting(Processor::id).containsExactly("cpu", "tflite");
      assertThat(p.processor("cpu").description()).contains("1 intra-op thread");
      assertThat(p.processor("tflite").description()).contains("2 threads").contains("TFLite").doesNotContain("emulated");
    }
  }

  @Test
  void twoProcessorsOnTheHostCpuThatCouldShareAPlanAreRefused() {
    // both would be planned as independent processors, though they compute on the same cores
    for (List<String> specs : List.of(List.of("cpu", "cpu"), List.of("cpu:1", "cpu:1"), List.of("tflite", "tflite:2"),
        List.of("cpu", "xnnpack"), List.of("cpu", "onednn"))) {
      assertThatThrownBy(() -> Platforms.host(specs, 1))
          .as("%s", specs)
          .isInstanceOf(SplitstreamException.class)
          .hasMessageContaining("both compute on this host's CPU")
          .hasMessageContaining("give one of them");
    }
  }

  @Test
  void unknownSpecListsTheValidOnesAndAMissingProviderSaysWhy() {
    assertThatThrownBy(() -> Platforms.host(List.of("cpu", "gpu"), 1))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("unknown processor spec 'gpu': use one of cpu, cpu:<threads>, tflite, tflite:<threads>, cuda");
    assertThatThrownBy(() -> Platforms.host(List.of("cpu:two"), 1))
        .hasMessageContaining("threads after ':' must be a whole number");
    assertThatThrownBy(() -> Platforms.host(List.of("tensorrt"), 1))
        .isInstanceOf(ProviderUnavailableException.class);
    assertThatThrownBy(() -> Platforms.host(List.of(), 1)).hasMessageStartingWith("no processors given");
  }
}
