package io.splitstream.devices.emulated;

import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.TinyOnnx;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every processor of every shipped SoC profile passes the contract. */
@ParameterizedClass(name = "{0}/{1}")
@MethodSource("processors")
class EmulatedContractTest extends ProcessorContract {
  @Parameter(0)
  String profileId;

  @Parameter(1)
  String processorId;

  static List<Arguments> processors() {
    List<Arguments> out = new ArrayList<>();
    for (String id : SocProfiles.list()) {
      for (SocProfile.ProcessorProfile p : SocProfiles.load(id).processors()) {
        out.add(Arguments.of(id, p.id()));
      }
    }
    return out;
  }

  @Override
  protected Processor newProcessor() {
    EmulatedProcessor p = new EmulatedProcessor(SocProfiles.load(profileId), processorId, 1, true);
    // a frozen clock keeps the thermal model cold, so availability alone sets the service time
    p.useClock(() -> 0L);
    return p;
  }

  @Override
  protected Sample supportedSample() {
    return tinyOnnxSample();
  }

  /** The profile's own gap where it lists Sin; otherwise an op the host cannot compute either. */
  @Override
  protected Unsupported unsupportedSample() {
    if (!processor.supports("Sin")) {
      return new Unsupported(TinyOnnx.sin(), "Sin");
    }
    return new Unsupported(TinyOnnx.noSuchOp(), "SplitstreamNoSuchOp");
  }
}
