/**
 * Model and array file formats: GGUF v2/v3 ({@link io.jamba4j.format.GgufFile}, {@link io.jamba4j.format.GgufWriter}),
 * safetensors ({@link io.jamba4j.format.SafetensorsFile}, {@link io.jamba4j.format.SafetensorsCheckpoint},
 * {@link io.jamba4j.format.SafetensorsWriter}) and NumPy .npy ({@link io.jamba4j.format.Npy}).
 *
 * <p>Readers hold each file once, whole, as one segment of a shared {@link java.lang.foreign.Arena}: memory-mapped,
 * or read into the process's own memory ({@link io.jamba4j.format.Residency}); tensors are slices of that segment
 * ({@link io.jamba4j.tensor.Tensor}), read with little-endian layouts. An opened file is immutable and safe to read
 * from many threads; {@code close()} unmaps or frees it, after which touching one of its tensors throws
 * IllegalStateException. Every malformed input is reported as a {@link io.jamba4j.format.FormatException} whose
 * message names the file and the problem (and the tensor or key); lengths read from a file are checked against
 * the bytes actually left before anything is allocated. Writers stream tensor data and write atomically
 * (temporary file in the target directory, then rename).
 */
package io.jamba4j.format;
