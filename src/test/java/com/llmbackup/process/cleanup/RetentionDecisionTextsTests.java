package com.llmbackup.process.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.Collection;
import java.util.regex.Pattern;

import org.camunda.bpm.model.dmn.Dmn;
import org.camunda.bpm.model.dmn.DmnModelInstance;
import org.camunda.bpm.model.dmn.instance.Decision;
import org.camunda.bpm.model.dmn.instance.Rule;
import org.junit.jupiter.api.Test;

/** The retention decision as Cockpit shows it: its name and every rule's description in Korean and English. */
class RetentionDecisionTextsTests {

    private static final Pattern BILINGUAL = Pattern.compile(".*[\\uAC00-\\uD7A3].* / [A-Z][A-Za-z ,:]+.*");
    private static final DmnModelInstance MODEL = Dmn.readModelFromFile(new File("dmn/RetentionDecision.dmn"));

    @Test
    void decisionNameWhenShownIsKoreanSlashEnglish() {
        Decision decision = MODEL.getModelElementById("RetentionDecision");

        assertThat(decision.getName()).matches(BILINGUAL);
    }

    @Test
    void rulesWhenShownEachHaveAKoreanSlashEnglishDescription() {
        Collection<Rule> rules = MODEL.getModelElementsByType(Rule.class);

        assertThat(rules).hasSizeGreaterThan(10).allSatisfy(rule -> assertThat(rule.getDescription()).as(rule.getId()).isNotNull()
                .satisfies(d -> assertThat(d.getTextContent()).as(rule.getId()).matches(BILINGUAL)));
    }
}
