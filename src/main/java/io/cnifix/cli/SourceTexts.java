package io.cnifix.cli;

import io.cnifix.ingest.InputText;
import io.cnifix.ingest.StateSources;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Rewrites every text of a {@link StateSources}, whatever kinds of text it holds. Read through the record's
 * components, so that a kind of input added to StateSources later (a policy file, ...) is carried along by the
 * snapshot archive and the redaction instead of being silently dropped.
 */
final class SourceTexts {
    private SourceTexts() {
    }

    /** {@code f} gets the component's name ("rules", "ports", ...) and each of its texts. */
    static StateSources map(StateSources s, BiFunction<String, InputText, InputText> f) {
        RecordComponent[] components = StateSources.class.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        try {
            for (int i = 0; i < components.length; i++) {
                RecordComponent c = components[i];
                types[i] = c.getType();
                Object v = c.getAccessor().invoke(s);
                if (holdsTexts(c)) {
                    String name = c.getName();
                    v = ((List<?>) v).stream().map(t -> f.apply(name, (InputText) t)).toList();
                }
                values[i] = v;
            }
            return StateSources.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot rebuild the state sources", e);
        }
    }

    private static boolean holdsTexts(RecordComponent c) {
        return c.getGenericType() instanceof ParameterizedType p && p.getRawType() == List.class
                && p.getActualTypeArguments()[0] == InputText.class;
    }
}
