package com.llmbackup.process.engine;

import java.util.function.Supplier;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.impl.identity.Authentication;

/**
 * A read-only engine query asked without the API caller's authorizations (operators get only
 * what their tasks need, not READ on instances or history), the caller's restored after.
 */
final class WithoutCaller {

    private WithoutCaller() {
    }

    static <T> T query(IdentityService identity, Supplier<T> query) {
        Authentication caller = identity.getCurrentAuthentication();
        identity.clearAuthentication();
        try {
            return query.get();
        } finally {
            if (caller != null) {
                identity.setAuthentication(caller);
            }
        }
    }
}
