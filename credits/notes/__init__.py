"""Credit notes (Gutschriften, SPEC section 5), a package by job; import from the module you need:

- `selectors`: which settled credit lines are open (never on a note, or changed since), per
  partner for the staff page;
- `parties`: the seller from settings and the buyer from the partner, and what is missing before
  a note may go to them (`note_blockers`, `seller_problems`);
- `descriptions`: the German texts of a position (the rule that produced it, the months it covers);
- `issuing`: `credit_notes_issue`, gap-free numbers, the e-invoice XML built and checked before
  anything is numbered, the e-mail to the partner's users;
- `rendering`: the PDF (Factur-X PDF/A-3b around the stored XML), rendered after commit by a task;
- `guards`: issued notes and their positions never change (the PDF is recorded once).

Which lines a note covers
    A credit line is *settled* when all its free months are billed: status `final` or `capped`.
    `capped` is the status of a line reduced by a partner cap, and SPEC gives `provisional`
    precedence over `capped`, so a `capped` line is never waiting for a month; its amount is as
    final as a `final` line's. `provisional` lines are never put on a note.

    A settled line is *open* while its credit differs from the sum of its credit-note lines.
    Each run issues, per partner, one note for lines never on a note (their amount) and one
    correction note per note being corrected (the difference, possibly negative: a storno), whose
    `corrects` is the last note that covered those lines. Issued notes are never changed; a
    later change of a line produces another correction.

    A noted line changes only with its own billing (a corrected or newly billed month) or by an
    explicit reclaim at a disqualification (`credits.computation`, `credits.disqualification`),
    so those are the only corrections. As a last guard, a line never on a note is not issued while
    its partner is neither approved nor withdrawn, or its end customer is excluded, even before a
    recompute has removed it.

Numbers
    Gap-free per season, `GS-<year of the season's end>-<sequence:05d>`. The next sequence is
    taken under a lock on the season row inside the issuing transaction, so concurrent runs (and
    a credit computation, which takes the same lock) are serialised and the second one finds
    nothing open; the unique constraints on (season, sequence) and (season, number) are the last
    guard. A rolled-back run leaves no number used; a partner whose note cannot be an e-invoice
    yet (no address, an invalid VAT ID) takes no number.
"""
