package io.cnifix.remedy;

import io.cnifix.model.Family;
import io.cnifix.model.Rule;

/** One of cnifix's own rules to delete, and why it no longer belongs. */
public record Removal(Family family, Rule rule, String why) {
}
