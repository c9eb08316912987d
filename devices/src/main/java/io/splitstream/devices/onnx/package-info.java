/**
 * ONNX models as graphs that can be cut into segments.
 *
 * <p>{@link io.splitstream.devices.onnx.OnnxModel} loads and validates a file;
 * {@link io.splitstream.devices.onnx.OnnxGraph} orders its compute nodes topologically and knows
 * every activation's concrete shape (probed once in ONNX Runtime at given
 * {@link io.splitstream.devices.onnx.InputShapes}) and each node's estimated cost;
 * {@link io.splitstream.devices.onnx.CutPoint}s list where the model can be cut and what crosses;
 * {@code OnnxModel.cut} writes self-contained segment files;
 * {@link io.splitstream.devices.onnx.SplitCheck} proves that the segments run in order equal the
 * whole model. {@link io.splitstream.devices.onnx.gen.OnnxModelGenerator} makes test models.
 *
 * <p>ONNX Runtime is used here only to probe shapes and to check splits; running segments on
 * processors is the job of the backends.
 */
package io.splitstream.devices.onnx;
