package io.jamba4j.cli;

import io.jamba4j.model.KvType;
import picocli.CommandLine.Option;

/** The {@code --kv-type} option of the commands that run a model with a cache. */
final class KvTypeOption {
    @Option(names = "--kv-type", paramLabel = "f32|f16", converter = KvTypeConverter.class, defaultValue = "f32",
            description = "KV cache element type: f32 (exact) or f16 (half the memory; default: ${DEFAULT-VALUE}).")
    KvType type;
}
