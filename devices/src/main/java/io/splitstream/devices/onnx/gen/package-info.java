/** Deterministic, pure-Java generation of ONNX models for tests and benchmarks. */
package io.splitstream.devices.onnx.gen;
