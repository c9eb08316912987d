package io.splitstream.devices.model;

/** The file formats Splitstream loads. ONNX models can be cut; a TFLite model runs whole. */
public enum ModelFormat {
  ONNX,
  TFLITE
}
