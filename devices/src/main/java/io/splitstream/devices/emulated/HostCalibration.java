package io.splitstream.devices.emulated;

/**
 * How a host profile was measured, as {@code splitstream calibrate} writes it in the profile's
 * optional {@code calibration} field: the reference workload timed in every round beside the
 * blocks, and its median time then. A later check times the same reference and scales what it
 * measures by {@code referenceMillis / (the reference now)}, so a host that runs slower for a while
 * (other tenants of the physical machine share its cores, caches and memory) is compared with the
 * profile at the speed the profile was fitted at. The emulator does not read it.
 *
 * @param reference what the reference workload is, in words (it must match the one a check times)
 * @param referenceMillis the reference's median time when the profile was fitted
 * @param clock how runs were timed ("thread CPU time" or "wall-clock time")
 * @param threads ONNX Runtime intra-op threads the profile was fitted with
 */
public record HostCalibration(String reference, double referenceMillis, String clock, int threads) {}
