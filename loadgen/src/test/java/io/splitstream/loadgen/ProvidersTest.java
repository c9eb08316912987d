package io.splitstream.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.pipeline.source.FrameSourceProvider;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProvidersTest {
  @Test
  void everySchemeIsRegisteredOnceWithUsage() {
    var providers = ServiceLoader.load(FrameSourceProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .collect(Collectors.toMap(FrameSourceProvider::scheme, p -> p));
    assertThat(providers).containsOnlyKeys("synthetic", "video", "testvideo", "sensor", "audio");
    providers.forEach((scheme, p) -> assertThat(p.usage()).contains(scheme + ":").doesNotContain("\n"));
  }
}
