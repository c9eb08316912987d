package io.splitstream.devices.processor;

import io.splitstream.devices.SplitstreamException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The processors one pipeline may place segments on, and the interconnect between them: a real
 * host, or an emulated SoC (then {@code emulated} is true and every figure it yields says so).
 */
public record Platform(String name, String description, List<Processor> processors, Interconnect interconnect,
    boolean emulated) implements AutoCloseable {
  public Platform {
    processors = List.copyOf(processors);
  }

  public Processor processor(String id) {
    return processors.stream()
        .filter(p -> p.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new SplitstreamException("no processor '" + id + "' on platform " + name
            + "; it has " + processors.stream().map(Processor::id).collect(Collectors.joining(", "))));
  }

  @Override
  public void close() {
    processors.forEach(Processor::close);
  }
}
