package io.jamba4j.cli;

import io.jamba4j.model.KvType;
import picocli.CommandLine;

/** Parses --kv-type values (f32, f16; any case). */
final class KvTypeConverter implements CommandLine.ITypeConverter<KvType> {
    @Override
    public KvType convert(String value) {
        try {
            return KvType.parse(value);
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
