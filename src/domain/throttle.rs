//! Failed logins slow down, then lock, a key for a while.
//!
//! Three keys count each attempt: the account and the client address together (locked
//! first, so that one address cannot lock someone else out for long), the client address
//! (a guesser trying many accounts), and the account alone with a higher limit and a
//! shorter lock (guessing spread over many addresses).
//!
//! An attempt is counted *before* its password is checked, in one statement that
//! increments and returns the count: N simultaneous attempts count N, and only the first
//! `max_failures` of a window are judged. A success gives its attempt back. A failure older
//! than the window, or a lock that ran out, starts the count again.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: i64,
    pub window_seconds: i64,
    pub lockout_seconds: i64,
    /// Added to the answer of a failed attempt, per failure already counted (capped ×8).
    pub slowdown_ms: u64,
}

/// What is known of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Record {
    pub failures: i64,
    pub last_failure_at: i64,
    pub locked_until: i64,
}

impl Policy {
    /// `Some(seconds left)` while the key is locked.
    pub fn locked_for(&self, record: Option<Record>, now: i64) -> Option<i64> {
        record.filter(|r| r.locked_until > now).map(|r| r.locked_until - now)
    }

    /// The record after one more attempt at `now`. `store::login_throttle::count_attempt`
    /// is this rule in SQL (one statement); `tests/hardening.rs`
    /// (`counters_in_sql_follow_their_pure_rules`) holds them together on both databases.
    pub fn after_attempt(&self, record: Option<Record>, now: i64) -> Record {
        if let Some(locked) = record.filter(|r| r.locked_until > now) {
            return Record { failures: locked.failures + 1, last_failure_at: now, locked_until: locked.locked_until };
        }
        // A lock that ran out, or a last failure older than the window, starts a fresh count.
        let previous = record
            .filter(|r| r.locked_until == 0 && now - r.last_failure_at <= self.window_seconds)
            .map_or(0, |r| r.failures);
        let failures = previous + 1;
        let locked_until = if failures >= self.max_failures { now + self.lockout_seconds } else { 0 };
        Record { failures, last_failure_at: now, locked_until }
    }

    /// Whether the attempt that left `record` may have its password checked: the last one
    /// allowed (which sets the lock) still is, the ones after it are not.
    pub fn may_judge(&self, record: Record) -> bool {
        record.failures <= self.max_failures
    }

    /// How long to hold the answer to a failed attempt.
    pub fn slowdown(&self, record: Record) -> std::time::Duration {
        let steps = (record.failures - 1).clamp(0, 8) as u64;
        std::time::Duration::from_millis(self.slowdown_ms * steps)
    }
}

/// "15 minutes", "1 minute", for the lockout message.
pub fn minutes_fr(seconds: i64) -> String {
    let minutes = ((seconds + 59) / 60).max(1);
    if minutes == 1 {
        "1 minute".into()
    } else {
        format!("{minutes} minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy { max_failures: 3, window_seconds: 600, lockout_seconds: 900, slowdown_ms: 100 };

    #[test]
    fn attempts_add_up_then_lock() {
        let first = POLICY.after_attempt(None, 1000);
        assert_eq!(first, Record { failures: 1, last_failure_at: 1000, locked_until: 0 });
        assert_eq!(POLICY.locked_for(Some(first), 1001), None);
        let second = POLICY.after_attempt(Some(first), 1010);
        assert_eq!(second.failures, 2);
        assert_eq!(POLICY.slowdown(second).as_millis(), 100);
        let third = POLICY.after_attempt(Some(second), 1020);
        assert_eq!(third.locked_until, 1920);
        assert!(POLICY.may_judge(third), "the attempt that sets the lock is still judged");
        assert_eq!(POLICY.locked_for(Some(third), 1020), Some(900));
        assert_eq!(POLICY.locked_for(Some(third), 1919), Some(1));
        assert_eq!(POLICY.locked_for(Some(third), 1920), None);
    }

    #[test]
    fn attempts_during_a_lock_are_counted_and_never_judged_nor_unlock() {
        let locked = Record { failures: 3, last_failure_at: 1020, locked_until: 1920 };
        let fourth = POLICY.after_attempt(Some(locked), 1030);
        assert_eq!(fourth, Record { failures: 4, last_failure_at: 1030, locked_until: 1920 });
        assert!(!POLICY.may_judge(fourth));
        // Forty at once: each is counted, three are judged.
        let mut record = None;
        let judged = (0..40)
            .filter(|_| {
                let next = POLICY.after_attempt(record, 1000);
                record = Some(next);
                POLICY.may_judge(next)
            })
            .count();
        assert_eq!((judged, record.map(|r| r.failures)), (3, Some(40)));
    }

    #[test]
    fn the_count_restarts_after_the_window_or_the_lock() {
        let old = Record { failures: 2, last_failure_at: 1000, locked_until: 0 };
        assert_eq!(POLICY.after_attempt(Some(old), 1601).failures, 1);
        assert_eq!(POLICY.after_attempt(Some(old), 1600).failures, 3);
        let expired_lock = Record { failures: 3, last_failure_at: 1000, locked_until: 1100 };
        assert_eq!(
            POLICY.after_attempt(Some(expired_lock), 1150),
            Record { failures: 1, last_failure_at: 1150, locked_until: 0 }
        );
    }

    #[test]
    fn slowdown_is_capped() {
        let many = Record { failures: 50, last_failure_at: 0, locked_until: 0 };
        assert_eq!(POLICY.slowdown(many).as_millis(), 800);
        assert_eq!(POLICY.slowdown(Record::default()).as_millis(), 0);
    }

    #[test]
    fn minutes_in_french() {
        assert_eq!(minutes_fr(1), "1 minute");
        assert_eq!(minutes_fr(60), "1 minute");
        assert_eq!(minutes_fr(61), "2 minutes");
        assert_eq!(minutes_fr(900), "15 minutes");
    }
}
