package io.cnifix.engine;

/** Three-valued truth: a match the simulator cannot decide is UNKNOWN, never guessed. */
enum Tri {
    TRUE, FALSE, UNKNOWN;

    static Tri of(boolean b) {
        return b ? TRUE : FALSE;
    }

    Tri and(Tri o) {
        if (this == FALSE || o == FALSE) {
            return FALSE;
        }
        return this == UNKNOWN || o == UNKNOWN ? UNKNOWN : TRUE;
    }

    Tri not() {
        return this == UNKNOWN ? UNKNOWN : of(this == FALSE);
    }

    Tri xor(boolean negate) {
        return negate ? not() : this;
    }
}
