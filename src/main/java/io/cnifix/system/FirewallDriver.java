package io.cnifix.system;

import io.cnifix.remedy.Backend;
import io.cnifix.remedy.Plan;

import java.util.List;

/** One firewall back end cnifix changes: one transaction to apply a plan's part, and its exact inverse. */
public interface FirewallDriver {
    Backend backend();

    boolean touches(Plan plan);

    String save();

    String backupSuffix();

    ProcessRunner.Result apply(Plan plan);

    List<String> notInEffect(Plan plan);

    ProcessRunner.Result undo(Plan plan);

    List<String> left(Plan plan);
}
