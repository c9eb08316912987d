package io.splitstream.pipeline.server;

import static io.splitstream.pipeline.server.LiveRun.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** On a real processor (this host's CPU through ONNX Runtime) availability is not ours to set. */
class RealProcessorApiTest {
  @Test
  void settingARealProcessorsAvailabilityIs409SayingWhy() throws Exception {
    try (LiveRun run = LiveRun.realCpu(Duration.ofMinutes(2))) {
      JsonNode cpu = Api.status(run.server).at("/processors/0");
      assertThat(cpu.get("emulated").asBoolean()).isFalse();
      assertThat(cpu.get("availability").isNull()).isTrue();

      HttpResponse<String> r = Api.send(run.server, "PUT", "/api/v1/processors/" + cpu.get("id").asText()
          + "/availability", "{\"share\":0.5}", TOKEN);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
      JsonNode e = Api.json(r);
      assertThat(e.get("field").asText()).isEqualTo("id");
      assertThat(e.get("message").asText()).contains("is real").contains("emulated");
      assertThat(run.finish().sound()).isTrue();
    }
  }
}
