//! The commune's canteen price brackets by family quotient (fictional).

/// (upper bound of the quotient, bracket letter, meal price in cents)
const BRACKETS: [(u32, &str, u32); 5] = [
    (450, "A", 80),
    (700, "B", 160),
    (1000, "C", 270),
    (1500, "D", 360),
    (u32::MAX, "E", 450),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bracket {
    pub letter: &'static str,
    pub price_cents: u32,
}

impl Bracket {
    pub fn price_text(&self) -> String {
        format!("{},{:02} €", self.price_cents / 100, self.price_cents % 100)
    }

    /// Without a quotient the full price applies.
    pub fn full_price() -> Bracket {
        Bracket {
            letter: "E",
            price_cents: 450,
        }
    }
}

pub fn bracket_for(quotient: u32) -> Bracket {
    let (_, letter, price_cents) = BRACKETS
        .iter()
        .copied()
        .find(|(max, _, _)| quotient <= *max)
        .unwrap_or(BRACKETS[4]);
    Bracket {
        letter,
        price_cents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets() {
        assert_eq!(bracket_for(380).letter, "A");
        assert_eq!(bracket_for(450).letter, "A");
        assert_eq!(bracket_for(612).price_text(), "1,60 €");
        assert_eq!(bracket_for(1240).letter, "D");
        assert_eq!(bracket_for(9000).letter, "E");
    }
}
