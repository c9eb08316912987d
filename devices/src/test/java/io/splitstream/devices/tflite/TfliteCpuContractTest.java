package io.splitstream.devices.tflite;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.TestModels;
import io.splitstream.devices.tensor.TensorMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The TFLite CPU processor on the real MediaPipe face-short model. */
class TfliteCpuContractTest extends ProcessorContract {
  @Override
  protected Processor newProcessor() {
    return TfliteProcessor.cpu("tflite", 2);
  }

  @Override
  protected Sample supportedSample() {
    Segment s = TfliteModel.load(TestModels.path("face-short")).whole();
    TensorMap in = randomInputs(s, 11);
    return new Sample(s, in, TfliteReference.run(s, in, 2));
  }

  /** A hand-written TFLite model whose only op is a custom op no TFLite build has. */
  @Override
  protected Unsupported unsupportedSample() {
    try {
      Path dir = Files.createTempDirectory("splitstream-tflite");
      Path f = Files.write(dir.resolve("custom.tflite"), TinyTflite.withCustomOp("SplitstreamNoSuchOp"));
      f.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return new Unsupported(TfliteModel.load(f).whole(), "SplitstreamNoSuchOp");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
