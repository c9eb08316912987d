package io.splitstream.devices.emulated;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.processor.Interconnect;
import io.splitstream.devices.processor.Processor;

/**
 * Transfer costs between the processors of one SoC profile: {@code latency + bytes / bandwidth}
 * of the profile's link between them (published or stated figures, see the profile's sources),
 * zero within one processor. Immutable and thread-safe.
 */
public final class EmulatedInterconnect implements Interconnect {
  private final SocProfile soc;

  public EmulatedInterconnect(SocProfile soc) {
    this.soc = soc;
  }

  /**
   * @throws SplitstreamException when the profile has no link between the two processors
   */
  @Override
  public long transferNanos(Processor from, Processor to, long bytes) {
    if (from == to || from.id().equals(to.id())) {
      return 0L;
    }
    return soc.link(from.id(), to.id())
        .orElseThrow(() -> new SplitstreamException("SoC profile " + soc.id() + " has no link between " + from.id()
            + " and " + to.id() + ": add one to its links"))
        .transferNanos(bytes);
  }

  @Override
  public String toString() {
    return "links of " + soc.id();
  }
}
