// The drivers trust the pointers and shapes their operand traits report, so safe code
// outside the runtime cannot implement them: each needs the runtime's private `Sealed`.
use ndkernel::__private::dispatch::{CoreInputs, CoreOutputs, InputViews, OutputViews};

struct Forged;

impl InputViews for Forged {}
impl OutputViews for Forged {}
impl CoreInputs for Forged {}
impl CoreOutputs for Forged {}

fn main() {}
