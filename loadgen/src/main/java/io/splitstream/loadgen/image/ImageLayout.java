package io.splitstream.loadgen.image;

/** Where the channel dimension sits in a rank-4 image tensor. */
public enum ImageLayout {
  /** {@code [N, H, W, C]}, TFLite's and many mobile models' choice. */
  NHWC,
  /** {@code [N, C, H, W]}, the PyTorch/ONNX convention. */
  NCHW
}
