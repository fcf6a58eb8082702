package com.llmbackup.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * The system clock, stepped by hand as NTP or a VM restored from a snapshot would step it: it
 * runs on, {@link #step(Duration) ahead or behind} of the real time (the database server's) by
 * the offset a test sets. Where time must stand still, {@link ManualClock} is the one.
 */
public final class SteppedClock extends Clock {

    private final Clock system;
    private volatile Duration offset = Duration.ZERO;

    public SteppedClock(Clock system) {
        this.system = system;
    }

    /** From now on this far from the real time (negative: behind). */
    public void step(Duration offset) {
        this.offset = offset;
    }

    /** The real time again. */
    public void reset() {
        offset = Duration.ZERO;
    }

    @Override
    public ZoneId getZone() {
        return system.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
        SteppedClock clock = new SteppedClock(system.withZone(zone));
        clock.offset = offset;
        return clock;
    }

    @Override
    public Instant instant() {
        return system.instant().plus(offset);
    }
}
