package io.splitstream.devices.model;

/**
 * The op classes an emulated processor's speed is given for. Real processors differ most across
 * these: dense convolutions run near peak on a GPU or NPU, depthwise ones are memory-bound,
 * element-wise ops cost bandwidth, not arithmetic.
 */
public enum OpClass {
  CONV,
  DEPTHWISE_CONV,
  MATMUL,
  ELEMENTWISE,
  OTHER
}
