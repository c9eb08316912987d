package io.splitstream.devices.processor;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The one check of what is fed to a loaded segment, shared by every backend: no unknown name, no
 * missing input and, where the backend needs it, each tensor of the declared type and shape ({@code
 * -1} matches any size). Each failure is a one-line {@link SplitstreamException} naming the segment,
 * the input and the remedy. Stateless.
 */
public final class SegmentInputs {
  private SegmentInputs() {}

  /** Checks names only: every declared input given, nothing else. */
  public static void checkNames(String segmentLabel, Collection<TensorSpec> declared, TensorMap in) {
    for (String name : in.names()) {
      if (declared.stream().noneMatch(s -> s.name().equals(name))) {
        throw new SplitstreamException("segment " + segmentLabel + " has no input '" + name + "': its inputs are "
            + declared.stream().map(TensorSpec::name).toList());
      }
    }
    for (TensorSpec spec : declared) {
      if (!in.contains(spec.name())) {
        throw new SplitstreamException("segment " + segmentLabel + " needs input '" + spec.name() + "' ("
            + spec.type() + spec.shape() + "), which was not given; got " + in.names());
      }
    }
  }

  /** Checks names, then each tensor's element type and shape against its declaration. */
  public static void check(String segmentLabel, Collection<TensorSpec> declared, TensorMap in) {
    checkNames(segmentLabel, declared, in);
    for (TensorSpec spec : declared) {
      Tensor t = in.get(spec.name());
      if (t.type() != spec.type()) {
        throw new SplitstreamException("input '" + spec.name() + "' of segment " + segmentLabel + " is " + t.type()
            + ", expected " + spec.type() + ": convert it before feeding");
      }
      long[] shape = t.shape();
      List<Long> want = spec.shape();
      boolean ok = shape.length == want.size();
      for (int i = 0; ok && i < shape.length; i++) {
        ok = want.get(i) < 0 || want.get(i) == shape[i];
      }
      if (!ok) {
        throw new SplitstreamException("input '" + spec.name() + "' of segment " + segmentLabel + " has shape "
            + Arrays.toString(shape) + ", expected " + want + (spec.isStatic() ? "" : " (-1 = any)")
            + ": resize the input to match");
      }
    }
  }
}
