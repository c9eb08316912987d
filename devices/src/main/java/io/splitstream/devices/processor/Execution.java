package io.splitstream.devices.processor;

import io.splitstream.devices.tensor.TensorMap;

/**
 * The result of one segment invocation. {@code hostNanos} is what the host really spent computing
 * the outputs; {@code serviceNanos} is how long the processor was busy with it: the same figure on
 * a real processor, the profile's figure on an emulated one ({@code emulated} says which, and an
 * emulated figure is never a hardware measurement).
 */
public record Execution(TensorMap outputs, long hostNanos, long serviceNanos, boolean emulated) {}
