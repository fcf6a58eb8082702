package com.llmbackup.process.drill;

import java.util.List;

import org.springframework.stereotype.Component;

/**
 * The collection of {@code RestoreDrillProcess}'s per-set subprocess, as the model reads it
 * ({@code ${drillRunList.of(drillRuns)}}): the engine stores no Java list as a variable here, so
 * the rows travel as a string. Public: the expression language calls only public classes' methods.
 */
@Component("drillRunList")
public class DrillRunList {

    public List<Long> of(String drillRuns) {
        return DrillVariables.runs(drillRuns);
    }
}
