package io.splitstream.devices.tflite;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.TestModels;
import io.splitstream.devices.tensor.TensorMap;

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

  /** face-short with one operator code changed to a builtin code TFLite 2.6.2 does not have. */
  @Override
  protected Unsupported unsupportedSample() {
    TfliteEdits.Edited e = TfliteEdits.withUnknownOp(TestModels.path("face-short"), "DEQUANTIZE");
    return new Unsupported(e.model().whole(), e.opType());
  }
}
