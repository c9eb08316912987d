package io.splitstream.pipeline.calibrate;

import java.util.List;

/**
 * Every latency the fact sheet (../shared/research/SOC-FACTS.md, section 1) gives for a device a
 * shipped profile emulates, by profile and processor, marked by whether the profile's calibration
 * used it (docs/profiles.md) or holds it out.
 */
public final class PublishedFigures {
  /**
   * One published figure.
   *
   * @param model an {@link io.splitstream.devices.onnx.gen.Architectures} name, or another name
   *     when no generated architecture matches (then it is only listed)
   * @param fitted whether the profile was calibrated on it
   */
  public record Figure(String profile, String processor, String model, double ms, boolean fitted, String source) {}

  private static final String TFLITE = "TFLite measurement.md";
  private static final String PADDLE = "Paddle-Lite v2.11 benchmark.md";
  private static final String HIAI = "Paddle-Lite huawei_kirin_npu.md";
  private static final String MACE = "MACE gist llhe (MACE, not TFLite)";

  public static final List<Figure> ALL = List.of(
      new Figure("sd855-pixel4", "cpu", "mobilenetv1", 14.0, true, TFLITE),
      new Figure("sd855-pixel4", "cpu", "inceptionv4", 324.1, false, TFLITE),
      new Figure("sd855-pixel4", "cpu", "inception-resnet-v2", 272.6, false, TFLITE),
      new Figure("sd855-pixel4", "cpu", "squeezenet", 23.9, false, TFLITE),
      new Figure("sd855-pixel4", "gpu", "mobilenetv1", 9.0, true, TFLITE),
      new Figure("sd855-pixel4", "gpu", "inceptionv4", 97.6, false, TFLITE),
      new Figure("sd855-pixel4", "gpu", "inception-resnet-v2", 87.2, false, TFLITE),
      new Figure("sd855-pixel4", "gpu", "squeezenet", 11.1, false, TFLITE),
      new Figure("sd855-pixel4", "npu", "mobilenetv1", 14.8, true, TFLITE),
      new Figure("sd855-pixel4", "npu", "inceptionv4", 186.9, false, TFLITE),
      new Figure("sd855-pixel4", "npu", "inception-resnet-v2", 171.1, false, TFLITE),
      new Figure("sd855-pixel4", "npu", "squeezenet", 19.0, false, TFLITE),
      new Figure("sd845-pixel3", "cpu", "mobilenetv1", 23.9, true, TFLITE),
      new Figure("sd845-pixel3", "cpu", "inceptionv4", 486, false, TFLITE),
      new Figure("sd845-pixel3", "cpu", "inception-resnet-v2", 422, false, TFLITE),
      new Figure("sd845-pixel3", "cpu", "squeezenet", 35.8, false, TFLITE),
      new Figure("sd845-pixel3", "cpu", "mobilenetv2", 32.0, false, MACE),
      new Figure("sd845-pixel3", "gpu", "mobilenetv1", 6.45, true, TFLITE),
      new Figure("sd845-pixel3", "gpu", "inceptionv4", 93, false, TFLITE),
      new Figure("sd845-pixel3", "gpu", "inception-resnet-v2", 99.8, false, TFLITE),
      new Figure("sd845-pixel3", "gpu", "squeezenet", 9.5, false, TFLITE),
      new Figure("sd845-pixel3", "gpu", "mobilenetv2", 10.0, false, MACE),
      new Figure("sd845-pixel3", "npu", "mobilenetv1", 13.8, true, TFLITE),
      new Figure("sd845-pixel3", "npu", "inceptionv4", 292, false, TFLITE),
      new Figure("sd845-pixel3", "npu", "inception-resnet-v2", 201, false, TFLITE),
      new Figure("sd845-pixel3", "npu", "squeezenet", 18.5, false, TFLITE),
      new Figure("kirin990-mate30", "cpu", "mobilenetv1", 38.22, true, PADDLE),
      new Figure("kirin990-mate30", "cpu", "mobilenetv2", 24.93, false, PADDLE),
      new Figure("kirin990-mate30", "cpu", "resnet50", 222.21, true, PADDLE),
      new Figure("kirin990-mate30", "cpu", "mobilenetv1", 30.23, false, HIAI + ", CPU 1 thread"),
      new Figure("kirin990-mate30", "cpu", "resnet50", 176.66, false, HIAI + ", CPU 1 thread"),
      new Figure("kirin990-mate30", "gpu", "mobilenetv1", 8.18, true, PADDLE),
      new Figure("kirin990-mate30", "gpu", "mobilenetv2", 9.07, false, PADDLE),
      new Figure("kirin990-mate30", "gpu", "resnet50", 36.90, true, PADDLE),
      new Figure("kirin990-mate30", "npu", "mobilenetv1", 3.35, true, HIAI),
      new Figure("kirin990-mate30", "npu", "resnet50", 9.83, true, HIAI));

  private PublishedFigures() {}
}
