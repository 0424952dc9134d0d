package com.startyhook.rules;

/** What makes a flow fire: row changes from the WAL, or a condition evaluated by the monitor. */
public sealed interface Trigger permits EventTrigger, ConditionTrigger {}
