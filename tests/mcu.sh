#!/bin/sh
# The checks of `make test-mcu` (docs/microcontrollers.md), for each hidden
# layer size given: build/mcu/SIZE holds the 784-SIZE-10 model's exported
# header, its test digits, expected.txt (the predictions of nnet.h's own int8
# code, from examples/quantize) and examples/mcu/main.c built for the host
# and for the Cortex-M4. Checked, with one closing line:
#   - int8 test accuracy within 0.5 points of float;
#   - the host build of the exported header prints expected.txt exactly;
#   - the Cortex-M4 build under QEMU's mps2-an386 prints it too (and, with
#     CMSIS_NN set, the build whose layers CMSIS-NN runs);
#   - for 784-128-10: model data <= 110 KB, activations <= 1 KB, the whole
#     program < 160 KB of flash and 16 KB of RAM (1 KB = 1000 bytes here:
#     the stricter reading).
passed=0; failed=0
check() {   # check STATUS WHAT [DETAIL FILE]
    if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "ok   $2"
    else failed=$((failed + 1)); echo "FAIL $2"; [ -n "$3" ] && head -n 20 "$3"; fi
}
for size in "$@"; do
    d=build/mcu/$size
    name="784-$size-10"
    figures=$(sed -n 's/.*float accuracy \([0-9.]*\), int8 accuracy \([0-9.]*\).*/\1 \2/p' "$d/quantize.txt")
    echo "$figures" | awk '{ d = $2 - $1; if (d < 0) d = -d; exit !(NF == 2 && d <= 0.005) }'
    check $? "$name: int8 test accuracy within 0.5 points of float (float, int8: ${figures:-not found})" "" ""

    "./$d/host" > "$d/host.txt" 2>&1
    diff "$d/expected.txt" "$d/host.txt" > "$d/host.diff"
    check $? "$name: the exported header, built for the host, predicts as nnet_int8_predict_classes" "" "$d/host.diff"

    # Semihosting output goes to QEMU's stderr; the timeout stops a hung run.
    for program in mcu ${CMSIS_NN:+cmsis}; do
        timeout 60 qemu-system-arm -M mps2-an386 -nographic -semihosting -kernel "$d/$program.elf" > /dev/null 2> "$d/$program.txt" < /dev/null
        status=$?
        diff "$d/expected.txt" "$d/$program.txt" > "$d/$program.diff"
        [ $status = 0 ] && [ -s "$d/$program.txt" ] && ! [ -s "$d/$program.diff" ]
        check $? "$name: $program.elf on the Cortex-M4 (qemu-system-arm -M mps2-an386) predicts the same (exit status $status)" "" "$d/$program.diff"
        sed -n "s/^correct/  $program.elf: correct/p" "$d/$program.txt"
    done

    # The program without the test digits (kept in their own memory,
    # .testdata), as it would be flashed.
    arm-none-eabi-objcopy --remove-section .testdata "$d/mcu.elf" "$d/program.elf" 2> /dev/null   # (it notes the emptied segment)
    arm-none-eabi-size "$d/program.elf" "$d/mcu.elf"
    if [ "$size" = 128 ]; then
        model=$(arm-none-eabi-nm -S --radix=d "$d/mcu.elf" | awk '$4 ~ /^model_(weight|bias|multiplier|shift|table)_|^model_layers$/ { n += $2 } END { print n + 0 }')
        activations=$(arm-none-eabi-nm -S --radix=d "$d/mcu.elf" | awk '$4 == "model_activations" { print $2 + 0 }')
        flash=$(arm-none-eabi-size "$d/program.elf" | awk 'NR == 2 { print $1 + $2 }')
        ram=$(arm-none-eabi-size "$d/program.elf" | awk 'NR == 2 { print $2 + $3 }')
        echo "  $name: model data $model bytes, activations $activations bytes, program $flash bytes of flash, $ram of RAM"
        [ "$model" -le 110000 ] && [ "${activations:-9999}" -le 1000 ] && [ "$flash" -lt 160000 ] && [ "$ram" -lt 16000 ]
        check $? "$name: fits 110 KB of model data, 1 KB of activations, 160 KB of flash and 16 KB of RAM" "" ""
    fi
done
echo "test-mcu: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
