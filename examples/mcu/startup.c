/* startup.c - what a Cortex-M program needs before main, for examples/mcu:
   the vector table, a reset handler that copies .data from flash to RAM and
   zeroes .bss, and output and exit through semihosting (the debugger, or
   QEMU's -semihosting, carries them to the host). mps2-an386.ld places the
   table at address 0 and puts the initial stack pointer in front of it.
   On a real board, replace mcu_write with a UART driver (docs/microcontrollers.md). */
#include <stdint.h>
#include <string.h>

int main(void);
void mcu_write(const char *text);

// Symbols of the linker script.
extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];

// A semihosting call: bkpt 0xAB with the operation in r0 and its argument in r1.
static int semihosting(int operation, const void *argument) {
    register int r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void mcu_write(const char *text) { semihosting(0x04, text); }   // SYS_WRITE0: a NUL-terminated string

// SYS_EXIT: ADP_Stopped_ApplicationExit ends QEMU with status 0, any other
// reason (here RunTimeErrorUnknown) with status 1.
static void mcu_exit(int status) {
    semihosting(0x18, (const void *)(uintptr_t)(status == 0 ? 0x20026u : 0x20023u));
    for (;;) {}
}

void reset_handler(void);
void reset_handler(void) {
    memcpy(__data_start, __data_load, (size_t)((char *)__data_end - (char *)__data_start));
    memset(__bss_start, 0, (size_t)((char *)__bss_end - (char *)__bss_start));
    mcu_exit(main());
}

static void fault_handler(void) {
    mcu_write("fault: the program stopped on an exception\n");
    mcu_exit(1);
}

// Exceptions 1-15 of the Armv7-M vector table (the linker script puts the
// initial stack pointer, entry 0, in front): reset, then NMI, HardFault,
// MemManage, BusFault, UsageFault, four reserved, SVCall, DebugMonitor,
// reserved, PendSV, SysTick. No interrupt is enabled.
__attribute__((section(".vectors"), used))
static void (*const vectors[15])(void) = {
    reset_handler, fault_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler, fault_handler
};
