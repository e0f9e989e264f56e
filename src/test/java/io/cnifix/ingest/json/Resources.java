package io.cnifix.ingest.json;

import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;

final class Resources {
    private Resources() {
    }

    static InputText load(String relative) {
        try (InputStream in = Resources.class.getResourceAsStream(relative)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + relative);
            }
            return new InputText(relative.substring(relative.lastIndexOf('/') + 1),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file of the project's fixtures directory (tests run with the module root as working directory). */
    static InputText fixture(String relative) {
        Path p = Path.of("fixtures").resolve(relative);
        try {
            return new InputText(p.toString(), Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static InputText text(String name, String content) {
        return new InputText(name, content);
    }

    static InputException fails(Runnable r) {
        return assertThrows(InputException.class, r::run);
    }
}
