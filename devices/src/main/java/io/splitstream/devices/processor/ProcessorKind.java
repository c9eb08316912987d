package io.splitstream.devices.processor;

/** What kind of silicon a processor is. */
public enum ProcessorKind {
  CPU,
  GPU,
  NPU
}
