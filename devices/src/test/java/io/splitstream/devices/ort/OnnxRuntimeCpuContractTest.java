package io.splitstream.devices.ort;

import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.TinyOnnx;

class OnnxRuntimeCpuContractTest extends ProcessorContract {
  @Override
  protected Processor newProcessor() {
    return OnnxRuntimeProcessor.cpu("cpu", 2);
  }

  @Override
  protected Sample supportedSample() {
    return tinyOnnxSample();
  }

  /** ONNX Runtime's CPU provider has the whole default opset: only an op that exists nowhere is missing. */
  @Override
  protected Unsupported unsupportedSample() {
    return new Unsupported(TinyOnnx.noSuchOp(), "SplitstreamNoSuchOp");
  }
}
